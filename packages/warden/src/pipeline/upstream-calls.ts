import type {
  ChatCompletionRequest,
  CompletionRequest,
  EmbeddingRequest,
  JsonObject,
} from '../domain/index.js'
import type { ModelRoute, ResponsesRequest } from '../providers/index.js'
import type { UpstreamCall } from './call-upstream.js'

/**
 * The body sent upstream: the client's, under the upstream's model id, and for a stream with
 * usage asked for (Warden meters it; `meterTokens` hides it again unless the client asked).
 */
function upstreamBody<B extends JsonObject & { model: string }>(route: ModelRoute, body: B): B {
  if (body.stream !== true) {
    return route.upstreamModel === body.model ? body : { ...body, model: route.upstreamModel }
  }
  const options = (body.stream_options ?? {}) as JsonObject
  return {
    ...body,
    model: route.upstreamModel,
    stream_options: { ...options, include_usage: true },
  }
}

export const chatCall: UpstreamCall<ChatCompletionRequest> = async (route, request, signal) => {
  const body = upstreamBody(route, request)
  return body.stream === true
    ? { kind: 'stream', chunks: await route.provider.chatStream({ body, signal }) }
    : { kind: 'json', body: await route.provider.chat({ body, signal }) }
}

export const completionCall: UpstreamCall<CompletionRequest> = async (route, request, signal) => {
  const body = upstreamBody(route, request)
  return body.stream === true
    ? { kind: 'stream', chunks: await route.provider.completionStream({ body, signal }) }
    : { kind: 'json', body: await route.provider.completion({ body, signal }) }
}

export const embeddingCall: UpstreamCall<EmbeddingRequest> = async (route, request, signal) => ({
  kind: 'json',
  body: await route.provider.embed({ body: upstreamBody(route, request), signal }),
})

export const responsesCall: UpstreamCall<ResponsesRequest> = async (route, body, signal) => {
  const call = { body, model: route.id, upstreamModel: route.upstreamModel, signal }
  return body.stream === true
    ? {
        kind: 'stream',
        chunks: await route.provider.responsesStream(call),
        framing: 'events',
      }
    : { kind: 'json', body: await route.provider.responses(call) }
}
