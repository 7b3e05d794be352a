import { performance } from 'node:perf_hooks'
import { WardenError, type JsonObject } from '../domain/index.js'
import type { ModelRegistry } from '../providers/index.js'
import type { Exchange } from './exchange.js'
import type { Stage } from './stage.js'

/** The body sent upstream: the client's, with the upstream's model id and usage asked for. */
function upstreamBody<B extends JsonObject & { model: string }>(x: Exchange, body: B): B {
  const upstreamModel = x.route?.upstreamModel ?? body.model
  if (body.stream !== true)
    return upstreamModel === body.model ? body : { ...body, model: upstreamModel }
  const options = (body.stream_options ?? {}) as JsonObject
  return { ...body, model: upstreamModel, stream_options: { ...options, include_usage: true } }
}

/** Forwards the request to the provider the model routes to; the innermost stage. */
export function callUpstream(deps: { readonly models: ModelRegistry }): Stage {
  return async (x) => {
    const { request, signal } = x
    if (!request) throw new Error('callUpstream runs after validateRequest')
    if (request.endpoint === 'models') {
      const all = await deps.models.list()
      const allowed = x.principal?.allowedModels
      const data = allowed ? all.filter((m) => allowed.includes(m.id)) : all
      const one = request.body && data.find((m) => m.id === request.body?.model)
      x.output = { kind: 'json', body: one ? { ...one } : { object: 'list', data } }
      return
    }
    const route = x.route
    if (!route)
      throw new WardenError('model_not_found', 'No model was resolved.', { param: 'model' })
    const provider = route.provider
    const started = performance.now()
    x.upstreamStartedAt = started
    try {
      if (request.endpoint === 'embeddings') {
        x.output = {
          kind: 'json',
          body: await provider.embed({ body: upstreamBody(x, request.body), signal }),
        }
      } else if (request.endpoint === 'chat') {
        const body = upstreamBody(x, request.body)
        x.output =
          body.stream === true
            ? {
                kind: 'stream',
                chunks: await provider.chatStream({ body, signal }),
              }
            : { kind: 'json', body: await provider.chat({ body, signal }) }
      } else {
        const body = upstreamBody(x, request.body)
        x.output =
          body.stream === true
            ? {
                kind: 'stream',
                chunks: await provider.completionStream({ body, signal }),
              }
            : { kind: 'json', body: await provider.completion({ body, signal }) }
      }
    } finally {
      // A stream's upstream time runs to its end; recordUsage closes it there.
      if (x.output?.kind !== 'stream') x.upstreamMs = performance.now() - started
    }
  }
}
