import { ConfigError, loadConfig, processEnv } from '../config/index.js'
import { createLogger } from '../logger.js'
import { providerKinds } from '../providers/index.js'
import { createServices, type Services } from '../services.js'

/** A command's failure that should print one line and exit non-zero. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message)
  }
}

/** Opens the services a command needs (config, database, migrations), runs it, closes them. */
export async function withServices<T>(run: (services: Services) => Promise<T>): Promise<T> {
  let config
  try {
    config = loadConfig({ env: processEnv(), providerKinds })
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message, 2)
    throw error
  }
  const logger = createLogger({ level: 'warn' }, process.stderr)
  // A secret the database needs is read here, not at load: it is a config error all the same.
  const services = await createServices(config, { logger }).catch((error: unknown) => {
    throw error instanceof ConfigError ? new CliError(error.message, 2) : error
  })
  try {
    return await run(services)
  } finally {
    await services.close()
  }
}

/** Prints a value as JSON or as the human line(s) given. */
export function output(json: boolean, value: unknown, human: string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human}\n`)
}
