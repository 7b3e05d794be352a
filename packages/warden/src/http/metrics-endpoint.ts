import { createHash, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { Secret } from '../config/index.js'
import { WardenError } from '../domain/index.js'
import type { Metrics } from '../monitoring/index.js'
import { bearerToken } from './bearer.js'

/** What serves `/metrics`: the metrics, and the token a scraper must send, if any. */
export interface MetricsExposure {
  readonly metrics: Pick<Metrics, 'render' | 'contentType'>
  /** The bearer token scrapers must send; undefined: none is asked for. */
  readonly token: Secret | undefined
}

const digest = (text: string) => createHash('sha256').update(text).digest()

/**
 * Null when the request may read the metrics, else the refusal: 401 without the token or with
 * another one (compared in constant time), 503 when the configured token cannot be read.
 */
function refusal(exposure: MetricsExposure, header: string | undefined): WardenError | null {
  const { token } = exposure
  if (token === undefined) return null
  if (token.problem() !== undefined) {
    return new WardenError('service_unavailable', 'The metrics token is not configured.')
  }
  const sent = bearerToken(header)
  if (sent !== undefined && timingSafeEqual(digest(sent), digest(token.reveal()))) return null
  return new WardenError(
    'unauthorized',
    'Send the metrics token as "Authorization: Bearer <token>" to read /metrics.',
  )
}

/** `GET /metrics` on the main listener, behind the token. */
export function registerMetricsRoute(app: FastifyInstance, exposure: MetricsExposure): void {
  app.get('/metrics', async (request, reply) => {
    const refused = refusal(exposure, request.headers.authorization)
    if (refused !== null) throw refused
    const text = await exposure.metrics.render()
    return reply.type(exposure.metrics.contentType).header('cache-control', 'no-store').send(text)
  })
}

/** A listener of its own for `/metrics`, and how to stop it. */
export interface MetricsListener {
  readonly url: string
  close(): Promise<void>
}

function sendJsonError(res: ServerResponse, error: WardenError): void {
  res.writeHead(error.status, { 'content-type': 'application/json; charset=utf-8' })
  res.end(JSON.stringify(error.toBody()))
}

/**
 * Serves `GET /metrics` (only) on its own host and port, off the public listener: a plain
 * Node server, since it has one route and none of the public listener's protections to share.
 */
export async function startMetricsListener(
  options: MetricsExposure & {
    readonly host: string
    readonly port: number
    readonly logger: Logger
  },
): Promise<MetricsListener> {
  const serveRequest = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]
    if (path !== '/metrics') {
      sendJsonError(res, new WardenError('not_found', 'Only /metrics is served here.'))
    } else if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD')
      sendJsonError(res, new WardenError('method_not_allowed', 'Use GET /metrics.'))
    } else {
      const refused = refusal(options, req.headers.authorization)
      if (refused !== null) return sendJsonError(res, refused)
      const text = await options.metrics.render()
      res.writeHead(200, {
        'content-type': options.metrics.contentType,
        'cache-control': 'no-store',
      })
      res.end(req.method === 'HEAD' ? undefined : text)
    }
  }
  const server = createServer((req, res) => {
    // The request body, if any, is never read; draining it keeps the connection usable.
    req.resume()
    serveRequest(req, res).catch((err: unknown) => {
      options.logger.error({ err }, 'metrics: writing the metrics failed')
      if (!res.headersSent) {
        sendJsonError(res, new WardenError('internal_error', 'The metrics could not be written.'))
      } else res.destroy()
    })
  })
  server.headersTimeout = 10_000
  server.requestTimeout = 30_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  const host = options.host.includes(':') ? `[${options.host}]` : options.host
  return {
    url: `http://${host}:${port}/metrics`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
