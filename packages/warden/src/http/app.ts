import { randomBytes } from 'node:crypto'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { Config } from '../config/index.js'
import { WardenError } from '../domain/index.js'
import { createBodyBudget } from './body-budget.js'
import { createClientErrorHandler } from './client-errors.js'
import { sendError } from './errors.js'
import { decodeJsonBody } from './json-body.js'
import { registerMetricsRoute, type MetricsExposure } from './metrics-endpoint.js'
import { gateRequests } from './request-gate.js'
import { logNotFound, logRequestsOutsidePipeline } from './request-log.js'
import { registerAdminRoutes, type AdminRouteDeps } from './routes/admin/admin-routes.js'
import { registerContentRoutes, type ContentRouteDeps } from './routes/admin/content-routes.js'
import { registerIncidentRoutes, type IncidentRouteDeps } from './routes/admin/incident-routes.js'
import { registerLimitRoutes, type LimitRouteDeps } from './routes/admin/limit-routes.js'
import { registerOpenAiRoutes, type OpenAiRouteDeps } from './routes/openai/openai-routes.js'
import { registerPolicyPages, type PolicyPageDeps } from './routes/public/policy-pages.js'
import { registerPortalRoutes, type PortalRouteDeps } from './routes/portal/portal-routes.js'
import { registerReviewRoutes, type ReviewRouteDeps } from './routes/admin/review-routes.js'
import { registerReviewPages } from './routes/review/review-pages.js'

export interface HttpAppDeps
  extends
    OpenAiRouteDeps,
    AdminRouteDeps,
    ContentRouteDeps,
    IncidentRouteDeps,
    LimitRouteDeps,
    PolicyPageDeps,
    PortalRouteDeps,
    ReviewRouteDeps {
  readonly logger: Logger
  readonly bodyLimitBytes: number
  readonly trustProxy: boolean
  /** Timeouts and caps that protect the server from stalled and malformed clients. */
  readonly limits: HttpLimits
  /** What `/healthz` reports; it answers 200 once the server is listening. */
  readonly health: () => Readonly<Record<string, unknown>>
  /** `/metrics` on this listener (`metrics.expose: main`), or null when it is served elsewhere. */
  readonly metricsRoute: MetricsExposure | null
}

/** The `server.*` settings the HTTP app enforces on connections and requests. */
export type HttpLimits = Pick<
  Config['server'],
  | 'headersTimeoutMs'
  | 'requestTimeoutMs'
  | 'keepAliveTimeoutMs'
  | 'maxConnections'
  | 'maxHeaderBytes'
  | 'maxBodyBytesInFlight'
>

/** Assembles the HTTP app: every surface's routes, one error handler, one 404. */
export function createHttpApp(deps: HttpAppDeps): FastifyInstance {
  // Unique across replicas and restarts without a random draw per request.
  const processId = randomBytes(6).toString('hex')
  let requestCounter = 0
  const logger: FastifyBaseLogger = deps.logger
  const { limits } = deps
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
    // Node times the request until its last byte arrives, never the response: streams are safe.
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      maxHeaderSize: limits.maxHeaderBytes,
      // Node checks both timeouts on this interval (30 s by default, far longer than they are).
      connectionsCheckingInterval: checkingInterval(limits),
      requireHostHeader: false,
    },
    clientErrorHandler: createClientErrorHandler(deps.logger),
    // Fastify's own 503 and Node's own 400 are not in the OpenAI shape: gateRequests sends them.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    // The OpenAI wire format has no use for prototype keys; refuse them outright.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
  })

  app.server.maxConnections = limits.maxConnections
  gateRequests(app)
  logRequestsOutsidePipeline(app)
  const bodyBudget = createBodyBudget(limits.maxBodyBytesInFlight)
  app.addHook('preParsing', bodyBudget.hook)

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
  app.setNotFoundHandler({ preHandler: logNotFound }, (request, reply) =>
    sendError(
      new WardenError(
        'not_found',
        `Unknown path: ${request.method} ${request.url.split('?')[0] ?? ''}`,
      ),
      request,
      reply,
    ),
  )

  app.get('/healthz', () =>
    Promise.resolve({
      status: 'ok',
      ...deps.health(),
      body_bytes_in_flight: bodyBudget.inFlight(),
    }),
  )
  if (deps.metricsRoute !== null) registerMetricsRoute(app, deps.metricsRoute)
  registerOpenAiRoutes(app, deps)
  registerAdminRoutes(app, deps)
  registerLimitRoutes(app, deps)
  registerContentRoutes(app, deps)
  registerIncidentRoutes(app, deps)
  registerReviewRoutes(app, deps)
  registerPortalRoutes(app, deps)
  registerPolicyPages(app, deps)
  registerReviewPages(app, deps)
  return app
}

/** Often enough that a timeout fires within a quarter of its length, and at most once a second. */
function checkingInterval(limits: HttpLimits): number {
  return Math.max(10, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4)))
}
