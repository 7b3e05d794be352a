import type { Endpoint, ErrorCode, JsonObject, Principal, RequestOutcome } from '../domain/index.js'
import type { Redactor, TextsVerdict } from '../moderation/index.js'
import type { ModelRoute } from '../providers/index.js'

/**
 * What the pipeline answers: one JSON body, or a stream of JSON chunks. `events` streams name
 * each event after its `type` field (the Responses API); plain ones are `data:` lines ending
 * with `[DONE]` (chat and legacy completions).
 */
export type ExchangeOutput =
  | { readonly kind: 'json'; readonly body: JsonObject }
  | {
      readonly kind: 'stream'
      readonly chunks: AsyncIterable<JsonObject>
      readonly framing?: 'data' | 'events'
    }

/** Token counts of one request and where they came from. */
export interface TokenUsage {
  promptTokens: number
  completionTokens: number
  source: 'upstream' | 'counted' | 'none'
}

/** How a request ended, computed once and handed to every end-of-request handler. */
export interface Settlement {
  /** What the request failed with, or null when it succeeded. */
  readonly error: unknown
  readonly status: number
  readonly code: ErrorCode | null
  readonly outcome: RequestOutcome
  /** The usage-policy clause a refusal cites, or null. */
  readonly clause: string | null
  /** From the request's start to its settlement, ms. */
  readonly totalMs: number
}

/** Work that runs exactly once when a request settles, however it ended. */
export type SettleHandler = (x: Exchange, end: Settlement) => void | Promise<void>

/** One request on its way through the pipeline; stages read and fill it. */
export interface Exchange<Body = unknown> {
  readonly requestId: string
  /** Wall-clock start, Unix ms. */
  readonly at: number
  /** Monotonic start, for durations. */
  readonly startedAt: number
  readonly endpoint: Endpoint
  /** The bearer secret the client sent, if any. Never logged. */
  readonly apiKey: string | undefined
  /** The client's address (the proxy's client when `server.trustProxy`), for throttling. */
  readonly clientAddress: string
  /** The client's `User-Agent` header, if it sent one; monitoring counts distinct ones. */
  readonly userAgent: string | undefined
  /** Aborts when the client goes away. */
  readonly signal: AbortSignal
  /**
   * Reads and decodes the request body. Only the body stage calls it, after authentication, so
   * a stranger's upload is never read. Rejects with a WardenError (400, 413, …).
   */
  readonly readBody: () => Promise<unknown>
  /** The checked request body, set by the body stage. */
  body?: Body
  /** The model the request names (as sent, at most 256 characters), once known. */
  model: string | null
  principal?: Principal
  route?: ModelRoute
  output?: ExchangeOutput
  usage: TokenUsage
  /** Time spent waiting on the upstream, ms. */
  upstreamMs: number
  /** When the upstream call began (monotonic ms), once it has. */
  upstreamStartedAt?: number
  /** When a stream's first chunk went to the client (monotonic ms), once one has. */
  firstChunkAt?: number
  /** Headers every answer to this request carries, refusals included (`x-ratelimit-*`). */
  responseHeaders: Readonly<Record<string, string>> | null
  /** What the content filter made of the request's texts, and of its answer's. */
  readonly content: Array<{
    readonly direction: 'input' | 'output'
    /** The texts as judged, before any redaction: what retention keeps of a flagged request. */
    readonly texts: readonly string[]
    readonly verdict: TextsVerdict
  }>
  /** The request's redactor, once a redaction happened: one value keeps one placeholder. */
  redactor: Redactor | null
  /** End-of-request handlers registered by the stages the request passed; see `onSettle`. */
  readonly settlers: SettleHandler[]
}

/** The fields a route supplies; the rest start empty. */
export type ExchangeInit = Pick<
  Exchange,
  'requestId' | 'at' | 'startedAt' | 'endpoint' | 'apiKey' | 'clientAddress' | 'signal' | 'readBody'
> &
  Partial<Pick<Exchange, 'userAgent'>>

/**
 * A fresh exchange for one request. Every field is written here, in one order, and none is
 * added later: every exchange then shares one hidden class and the stages' property reads stay
 * monomorphic (a spread of `init` and fields added stage by stage cost about 4 µs a request in
 * CPU and garbage, measured with an in-process probe).
 */
export function createExchange(init: ExchangeInit): Exchange {
  return {
    requestId: init.requestId,
    at: init.at,
    startedAt: init.startedAt,
    endpoint: init.endpoint,
    apiKey: init.apiKey,
    clientAddress: init.clientAddress,
    userAgent: init.userAgent,
    signal: init.signal,
    readBody: init.readBody,
    body: undefined,
    model: null,
    principal: undefined,
    route: undefined,
    output: undefined,
    usage: { promptTokens: 0, completionTokens: 0, source: 'none' },
    upstreamMs: 0,
    upstreamStartedAt: undefined,
    firstChunkAt: undefined,
    responseHeaders: null,
    content: [],
    redactor: null,
    settlers: [],
  }
}
