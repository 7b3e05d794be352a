import { existsSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import type { Logger } from 'pino'
import { ConfigError, loadConfig, processEnv, type Config } from '../config/index.js'
import { createLogger } from '../logger.js'
import { providerKinds } from '../providers/index.js'
import { createServices, type Services } from '../services.js'
import { explainDatabaseError, sqliteFileOf } from './failure.js'

/** A command's failure that should print one line and exit non-zero. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message)
  }
}

/** Options every command accepts: `warden --config FILE --database URL-OR-PATH <command>`. */
export interface GlobalOptions {
  /** A YAML config file; beats `WARDEN_CONFIG` and `./warden.yaml`. */
  readonly config?: string
  /** `postgres://…`, `sqlite:PATH` or a SQLite file path; beats every other database setting. */
  readonly database?: string
}

/** The environment with the global options applied over it, as `loadConfig` reads them. */
function cliEnv(globals: GlobalOptions, cwd: string): Record<string, string | undefined> {
  const env = { ...processEnv() }
  const { database } = globals
  if (database !== undefined && database !== '') {
    // A bare path is a SQLite file, relative to where the user typed it.
    env.WARDEN_DATABASE_URL = /^(postgres(ql)?:\/\/|sqlite:)/.test(database)
      ? database
      : `sqlite:${isAbsolute(database) ? database : resolve(cwd, database)}`
  }
  return env
}

/** Loads the configuration; a bad one is one line naming every wrong path beneath it, exit 1. */
export function loadCliConfig(globals: GlobalOptions): Config {
  const cwd = process.cwd()
  try {
    return loadConfig({ file: globals.config, env: cliEnv(globals, cwd), cwd, providerKinds })
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    const lines = error.problems.map((p) => `  - ${p}`)
    throw new CliError(
      [
        'invalid configuration: fix each path below in the config file or its WARDEN_* variable',
        ...lines,
      ].join('\n'),
    )
  }
}

/** Builds the services; a database that cannot be opened is one line saying what to do. */
export async function openServices(
  config: Config,
  options: {
    readonly logger: Logger
    readonly migrate?: boolean
    readonly checkSecrets?: boolean
    readonly limits?: boolean
    readonly moderation?: boolean
    readonly observe?: boolean
  },
): Promise<Services> {
  try {
    return await createServices(config, options)
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new CliError(`invalid configuration: ${error.problems.join('; ')}`, 1)
    }
    const explained = explainDatabaseError(error, config.database)
    if (explained !== null) throw new CliError(explained, 1)
    throw error
  }
}

/** Opens the services a command needs (config, database, migrations), runs it, closes them. */
export async function withServices<T>(
  globals: GlobalOptions,
  run: (services: Services) => Promise<T>,
  options: {
    readonly migrate?: boolean
    /** Whether the command reads the limits' counters (only `warden usage` does). */
    readonly limits?: boolean
    /** Whether the command runs the classifiers (only `warden classify` does). */
    readonly moderation?: boolean
  } = {},
): Promise<T> {
  const config = loadCliConfig(globals)
  const file = sqliteFileOf(config.database)
  if (file !== null && file !== ':memory:' && !existsSync(file)) {
    process.stderr.write(`warden: no database at ${file}; creating a new one\n`)
  }
  const logger = createLogger({ level: 'warn' }, process.stderr)
  const services = await openServices(config, {
    logger,
    migrate: options.migrate ?? true,
    limits: options.limits ?? false,
    moderation: options.moderation ?? false,
    observe: false,
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

/** A warning on stderr, never on stdout where JSON goes. */
export function warn(message: string): void {
  process.stderr.write(`warden: warning: ${message}\n`)
}
