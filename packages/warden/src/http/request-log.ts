import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onResponseHookHandler,
  preHandlerHookHandler,
  RouteOptions,
} from 'fastify'

/** Routes under this prefix are logged by the pipeline, once per request, with their usage. */
const PIPELINE_PREFIX = '/v1/'

/**
 * One `info` line per request for every route outside `/v1/` (admin API, `/healthz`, 404s):
 * request id, method, route pattern, status and milliseconds; never headers, query strings,
 * bodies or tokens. The hook is attached per route as routes are added, so `/v1` requests run
 * no code of it at all. The 404 handler takes `logNotFound` instead, as route hooks skip it.
 */
export function logRequestsOutsidePipeline(app: FastifyInstance): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    if (route.url.startsWith(PIPELINE_PREFIX)) return
    route.onResponse = [...toArray(route.onResponse), logRequest]
  })
}

const logRequest: onResponseHookHandler = (request, reply, done) => {
  writeLine(request, reply)
  done()
}

/** The 404 handler's `preHandler`: logs the request once its answer is sent. */
export const logNotFound: preHandlerHookHandler = (request, reply, done) => {
  reply.raw.once('finish', () => writeLine(request, reply))
  done()
}

function writeLine(request: FastifyRequest, reply: FastifyReply): void {
  request.log.info(
    {
      requestId: request.id,
      method: request.method,
      route: request.is404 ? null : (request.routeOptions.url ?? null),
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
    },
    'request',
  )
}

function toArray<T>(value: T | readonly T[] | undefined): T[] {
  if (value === undefined) return []
  return Array.isArray(value) ? [...(value as readonly T[])] : [value as T]
}
