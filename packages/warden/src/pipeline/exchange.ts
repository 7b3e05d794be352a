import type {
  ChatCompletionRequest,
  CompletionRequest,
  EmbeddingRequest,
  Endpoint,
  JsonObject,
  Principal,
  RequestOutcome,
} from '../domain/index.js'
import type { ModelRoute } from '../providers/index.js'

/** The request body, by endpoint. */
export type ExchangeRequest =
  | { readonly endpoint: 'chat'; readonly body: ChatCompletionRequest }
  | { readonly endpoint: 'completions'; readonly body: CompletionRequest }
  | { readonly endpoint: 'embeddings'; readonly body: EmbeddingRequest }
  /** The model list, or with a body one model of it (`GET /v1/models/{model}`). */
  | { readonly endpoint: 'models'; readonly body: { readonly model: string } | null }

/** What the pipeline answers: one JSON body, or a stream of JSON chunks. */
export type ExchangeOutput =
  | { readonly kind: 'json'; readonly body: JsonObject }
  | { readonly kind: 'stream'; readonly chunks: AsyncIterable<JsonObject> }

/** Token counts of one request and where they came from. */
export interface TokenUsage {
  promptTokens: number
  completionTokens: number
  source: 'upstream' | 'counted' | 'none'
}

/** One request on its way through the pipeline; stages read and fill it. */
export interface Exchange {
  readonly requestId: string
  /** Wall-clock start, Unix ms. */
  readonly at: number
  /** Monotonic start, for durations. */
  readonly startedAt: number
  readonly endpoint: Endpoint
  /** The body as the client sent it, parsed from JSON but not yet checked. */
  readonly rawBody: unknown
  /** The checked request, set by the validation stage. */
  request?: ExchangeRequest
  /** The bearer secret the client sent, if any. Never logged. */
  readonly apiKey: string | undefined
  /** Aborts when the client goes away. */
  readonly signal: AbortSignal
  principal?: Principal
  route?: ModelRoute
  output?: ExchangeOutput
  usage: TokenUsage
  /** Time spent waiting on the upstream, ms. */
  upstreamMs: number
  /** When the upstream call began (monotonic ms), once it has. */
  upstreamStartedAt?: number
}

/** The model a request names, or null for endpoints without one. */
export function modelOf(x: Exchange): string | null {
  if (x.request) return x.request.body === null ? null : x.request.body.model
  const model = (x.rawBody as { model?: unknown } | null | undefined)?.model
  return typeof model === 'string' ? model.slice(0, 256) : null
}

/** How an exchange that threw should be counted. */
export function outcomeOf(status: number, code: string | null): RequestOutcome {
  if (code === 'request_cancelled') return 'cancelled'
  if (status < 400) return 'ok'
  if (status === 401 || status === 403) return 'refused'
  if (status === 502 || status === 504 || code?.startsWith('upstream_')) return 'upstream_error'
  if (status < 500) return 'client_error'
  return 'internal_error'
}
