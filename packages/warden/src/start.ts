import { ConfigError, loadConfig, processEnv } from './config/index.js'
import { createLogger } from './logger.js'
import { providerKinds } from './providers/index.js'
import { serve } from './serve.js'
import { createServices } from './services.js'

/** `npm start` and `warden start`: load the config, build the services, serve, print how to begin. */
export async function start(): Promise<void> {
  let config
  try {
    config = loadConfig({ env: processEnv(), providerKinds })
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`warden: ${error.message}\n`)
      process.exit(2)
    }
    throw error
  }
  const logger = createLogger(config.log)
  const services = await createServices(config, { logger, checkSecrets: true })
  const bootstrap = await services.adminUsers.bootstrap()
  const server = await serve(services)
  const lines = [
    '',
    `Warden is listening on ${server.url} (database: ${services.store.description})`,
    `  OpenAI-compatible API: ${server.url}/v1`,
  ]
  if (Object.keys(config.providers).length === 0) {
    lines.push(
      '  No upstream yet: set WARDEN_UPSTREAM_URL (e.g. http://localhost:11434/v1 for Ollama) and restart.',
    )
  }
  if (bootstrap) {
    lines.push(
      `  Admin one-time login token (user "${bootstrap.username}", valid 24 h):`,
      `    ${bootstrap.token}`,
      `    curl -s -X POST ${server.url}/api/admin/login -H 'content-type: application/json' -d '{"token":"${bootstrap.token}"}'`,
    )
  }
  lines.push('  Create an API key:  npx warden key create --org my-org --app my-app --json', '')
  process.stdout.write(lines.join('\n') + '\n')

  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down')
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.once('SIGINT', () => stop('SIGINT'))
  process.once('SIGTERM', () => stop('SIGTERM'))
}
