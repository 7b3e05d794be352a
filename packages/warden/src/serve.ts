import type { FastifyInstance } from 'fastify'
import { createHttpApp, startMetricsListener, type MetricsListener } from './http/index.js'
import type { Services } from './services.js'

/** A listening server and how to stop it. */
export interface RunningServer {
  readonly app: FastifyInstance
  readonly url: string
  /** Where `/metrics` is served on a listener of its own (`metrics.expose: listener`), or null. */
  readonly metricsUrl: string | null
  /**
   * Stops accepting, lets in-flight requests finish within the grace, cuts the rest, waits for
   * every request to settle (usage events of cut ones included), flushes, closes the database.
   */
  close(): Promise<void>
  /** Cuts every connection now instead of at the end of the grace; `close` still flushes. */
  hurry(): void
}

/** How long requests cut at shutdown get to settle (their usage event) before the flush. */
const SETTLE_WAIT_MS = 5_000

/** Builds the HTTP app over the services and listens on the configured host and port. */
export async function serve(services: Services): Promise<RunningServer> {
  const { config, metrics } = services
  const expose = metrics === null ? 'off' : config.metrics.expose
  const app = createHttpApp({
    logger: services.logger,
    bodyLimitBytes: config.server.bodyLimitBytes,
    trustProxy: config.server.trustProxy,
    limits: config.server,
    pipeline: services.pipeline,
    now: services.now,
    organizations: services.organizations,
    apiKeys: services.apiKeys,
    limitOverrides: services.limitOverrides,
    adminUsers: services.adminUsers,
    loginThrottle: services.throttles.login,
    limiter: services.limits?.limiter ?? null,
    auditLog: services.auditLog,
    contentRetention: services.contentRetention,
    policyVersions: services.policyVersions,
    useCaseApplications: services.useCaseApplications,
    webhooks: services.webhooks,
    metricsRoute:
      metrics !== null && expose === 'main' ? { metrics, token: config.metrics.token } : null,
    incidents: services.incidents,
    mitigations: services.mitigations,
    store: services.store,
    health: () => {
      const usage = services.usage.stats()
      const kept = services.contentTexts.stats()
      const memory = process.memoryUsage()
      const mb = (bytes: number) => Math.round(bytes / 1e5) / 10
      return {
        database: services.store.dialect,
        usage_queued: usage.queued,
        usage_dropped: usage.dropped,
        kept_content_queued: kept.queued,
        kept_content_dropped: kept.dropped,
        limits: services.limits?.stats() ?? { backend: 'off' },
        memory_mb: {
          rss: mb(memory.rss),
          heap_used: mb(memory.heapUsed),
          heap_total: mb(memory.heapTotal),
          external: mb(memory.external),
        },
      }
    },
  })
  await app.listen({ host: config.server.host, port: config.server.port })
  let metricsListener: MetricsListener | null = null
  if (metrics !== null && expose === 'listener') {
    try {
      metricsListener = await startMetricsListener({
        metrics,
        token: config.metrics.token,
        host: config.metrics.host,
        port: config.metrics.port,
        logger: services.logger,
      })
    } catch (error) {
      await app.close()
      throw new MetricsListenError(error)
    }
  }
  services.auditCheckpoints.schedule(config.audit.checkpointIntervalMs)
  services.webhooks.schedule(config.webhooks.intervalMs, (err) =>
    services.logger.error({ err }, 'webhook delivery round failed; will retry'),
  )
  if (config.monitoring.enabled) {
    services.monitor.schedule(config.monitoring.intervalMs, (err) =>
      services.logger.error({ err }, 'monitoring: reading the usage feed failed; will retry'),
    )
  }
  services.contentRetention.schedule(
    config.retention.purgeIntervalMs,
    (purged) => {
      if (purged.texts + purged.hashes > 0) services.logger.info(purged, 'kept content purged')
    },
    (err) => services.logger.error({ err }, 'purging kept content failed; will retry'),
  )
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : config.server.port
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host
  let closing: Promise<void> | null = null
  const cutConnections = () => app.server.closeAllConnections()
  return {
    app,
    url: `http://${host}:${port}`,
    metricsUrl: metricsListener?.url ?? null,
    close() {
      closing ??= (async () => {
        const grace = setTimeout(cutConnections, config.server.shutdownGraceMs)
        grace.unref()
        await Promise.all([app.close(), metricsListener?.close()])
        clearTimeout(grace)
        // Requests cut at the grace settle as cancelled, with the tokens they got so far:
        // their usage events must be queued before the queue is flushed and closed.
        const settled = await services.pipeline.drained(SETTLE_WAIT_MS)
        if (!settled) {
          services.logger.warn(
            { unsettled: services.pipeline.inFlight() },
            'shutdown: some requests did not settle in time; their usage events are lost',
          )
        }
        await services.close()
      })()
      return closing
    },
    hurry() {
      cutConnections()
    },
  }
}

/** The metrics listener could not listen; `cause` holds the system error (`EADDRINUSE`, …). */
export class MetricsListenError extends Error {
  override readonly name = 'MetricsListenError'
  constructor(cause: unknown) {
    super('the metrics listener could not listen', { cause })
  }
}
