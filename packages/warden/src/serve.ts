import type { FastifyInstance } from 'fastify'
import { createHttpApp } from './http/index.js'
import type { Services } from './services.js'

/** A listening server and how to stop it. */
export interface RunningServer {
  readonly app: FastifyInstance
  readonly url: string
  /** Stops accepting, lets in-flight requests finish, flushes usage, closes the database. */
  close(): Promise<void>
}

/** Builds the HTTP app over the services and listens on the configured host and port. */
export async function serve(services: Services): Promise<RunningServer> {
  const { config } = services
  const app = createHttpApp({
    logger: services.logger,
    bodyLimitBytes: config.server.bodyLimitBytes,
    trustProxy: config.server.trustProxy,
    limits: config.server,
    runPipeline: services.runPipeline,
    now: services.now,
    organizations: services.organizations,
    apiKeys: services.apiKeys,
    adminUsers: services.adminUsers,
    auditLog: services.auditLog,
    health: () => {
      const usage = services.usage.stats()
      const memory = process.memoryUsage()
      const mb = (bytes: number) => Math.round(bytes / 1e5) / 10
      return {
        database: services.store.dialect,
        usage_queued: usage.queued,
        usage_dropped: usage.dropped,
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
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : config.server.port
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host
  let closing: Promise<void> | null = null
  return {
    app,
    url: `http://${host}:${port}`,
    close() {
      closing ??= (async () => {
        const grace = setTimeout(
          () => app.server.closeAllConnections(),
          config.server.shutdownGraceMs,
        )
        grace.unref()
        await app.close()
        clearTimeout(grace)
        await services.close()
      })()
      return closing
    },
  }
}
