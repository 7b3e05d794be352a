import type { BootstrapResult } from './access/index.js'
import { CliError, loadCliConfig, openServices, type GlobalOptions } from './cli/context.js'
import { explainListenError, explainMetricsListenError } from './cli/failure.js'
import type { Config } from './config/index.js'
import { createLogger } from './logger.js'
import { MetricsListenError, serve, type RunningServer } from './serve.js'

/**
 * `npm start` and `warden start`: load the config, build the services, serve, and print how to
 * begin on stderr (the terminal), apart from the JSON log lines on stdout. A start that cannot
 * go on throws a `CliError` of one line saying what to do.
 */
export async function start(globals: GlobalOptions = {}): Promise<RunningServer> {
  const config = loadCliConfig(globals)
  const logger = createLogger(config.log)
  const services = await openServices(config, { logger, checkSecrets: true })
  let server: RunningServer
  try {
    server = await serve(services)
  } catch (error) {
    await services.close().catch(() => undefined)
    const explained =
      error instanceof MetricsListenError
        ? explainMetricsListenError(error.cause, config.metrics)
        : explainListenError(error, config.server)
    if (explained !== null) throw new CliError(explained, 1)
    throw error
  }
  // Only once listening: a start that fails must not issue a token nobody sees.
  let bootstrap: BootstrapResult | null
  try {
    bootstrap = await services.adminUsers.bootstrap()
  } catch (error) {
    await server.close().catch(() => undefined)
    throw error
  }
  process.stderr.write(banner(config, server, services.store.description, bootstrap))

  let signals = 0
  const stop = (signal: string) => {
    signals += 1
    if (signals === 2) {
      // A second signal shortens the wait for in-flight requests; it still flushes usage.
      logger.warn({ signal }, 'second signal: cutting in-flight requests now, then flushing')
      server.hurry()
      return
    }
    if (signals > 2) {
      logger.error({ signal }, 'third signal: exiting without waiting for the flush')
      logger.flush(() => process.exit(1))
      return
    }
    logger.info({ signal }, 'shutting down')
    // The log is buffered: flush it before the process ends.
    const exit = (code: number) => logger.flush(() => process.exit(code))
    server.close().then(
      () => exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed')
        exit(1)
      },
    )
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
  return server
}

/** What a person reads at start: where Warden listens, the admin token, the next step. */
function banner(
  config: Config,
  server: RunningServer,
  database: string,
  bootstrap: BootstrapResult | null,
): string {
  const { url } = server
  const lines = [
    '',
    `Warden is listening on ${url} (database: ${database})`,
    `  OpenAI-compatible API: ${url}/v1`,
  ]
  if (server.metricsUrl !== null) lines.push(`  Prometheus metrics: ${server.metricsUrl}`)
  if (Object.keys(config.providers).length === 0) {
    lines.push(
      '  No upstream yet: set WARDEN_UPSTREAM_URL (e.g. http://localhost:11434/v1 for Ollama) and restart.',
    )
  }
  if (bootstrap?.token != null) {
    lines.push(
      `  Admin one-time login token (user "${bootstrap.username}", valid until ${isoMinute(bootstrap.expiresAt)}), shown only now:`,
      `    ${bootstrap.token}`,
      `    curl -s -X POST ${url}/api/admin/login -H 'content-type: application/json' -d '{"token":"${bootstrap.token}"}'`,
    )
  } else if (bootstrap) {
    lines.push(
      `  An admin login token was already issued (unused, valid until ${isoMinute(bootstrap.expiresAt)}).`,
      '    Lost it? Issue a new one (the old one stops working):  npx warden admin token',
    )
  }
  lines.push('  Create an API key:  npx warden key create --org my-org --app my-app --json', '')
  return lines.join('\n') + '\n'
}

function isoMinute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`
}
