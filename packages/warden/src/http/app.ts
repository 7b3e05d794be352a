import { randomBytes } from 'node:crypto'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { WardenError } from '../domain/index.js'
import { sendError } from './errors.js'
import { decodeJsonBody } from './json-body.js'
import { registerAdminRoutes, type AdminRouteDeps } from './routes/admin/admin-routes.js'
import { registerOpenAiRoutes, type OpenAiRouteDeps } from './routes/openai/openai-routes.js'

export interface HttpAppDeps extends OpenAiRouteDeps, AdminRouteDeps {
  readonly logger: Logger
  readonly bodyLimitBytes: number
  readonly trustProxy: boolean
  /** What `/healthz` reports; it answers 200 once the server is listening. */
  readonly health: () => Readonly<Record<string, unknown>>
}

/** Assembles the HTTP app: every surface's routes, one error handler, one 404. */
export function createHttpApp(deps: HttpAppDeps): FastifyInstance {
  // Unique across replicas and restarts without a random draw per request.
  const processId = randomBytes(6).toString('hex')
  let requestCounter = 0
  const logger: FastifyBaseLogger = deps.logger
  const app = Fastify({
    loggerInstance: logger,
    // One usage event per request is the record; a log line per request would double the cost.
    logController: new LogController({ disableRequestLogging: true }),
    // A pino child per request costs more than the rest of the request's own work; log
    // lines name the request id themselves.
    childLoggerFactory: (logger) => logger,
    bodyLimit: deps.bodyLimitBytes,
    trustProxy: deps.trustProxy,
    genReqId: () => `req_${processId}${(requestCounter += 1).toString(36)}`,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // The OpenAI wire format has no use for prototype keys; refuse them outright.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
  })

  // Strict JSON for every route: invalid UTF-8, absurd nesting and prototype keys are a 400.
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, decodeJsonBody(body as Buffer))
    } catch (error) {
      done(error as Error, undefined)
    }
  })

  app.setErrorHandler((error, request, reply) => sendError(error, request, reply))
  app.setNotFoundHandler((request, reply) =>
    sendError(
      new WardenError(
        'not_found',
        `Unknown path: ${request.method} ${request.url.split('?')[0] ?? ''}`,
      ),
      request,
      reply,
    ),
  )

  app.get('/healthz', () => Promise.resolve({ status: 'ok', ...deps.health() }))
  registerOpenAiRoutes(app, deps)
  registerAdminRoutes(app, deps)
  return app
}
