import type { ErrorCode, RefusedLimit } from './errors.js'
import type { Endpoint, RequestOutcome } from './records.js'
import type { JsonObject } from './openai.js'

/** What the content filter made of a request's texts in one direction, as observers read it. */
export interface ObservedVerdict {
  readonly direction: 'input' | 'output'
  readonly verdict: {
    readonly findings: ReadonlyArray<{
      readonly category: string
      readonly action: 'allow' | 'flag' | 'redact' | 'block'
    }>
    readonly failures: ReadonlyArray<{ readonly fail: 'open' | 'closed' }>
  }
}

/**
 * One settled request as metrics and traces see it: built once when it settles, handed to every
 * observer, never kept. It holds references (the body, the answer), not copies; an observer
 * reads them and must not change them.
 */
export interface RequestObservation {
  readonly requestId: string
  /** Wall-clock start, Unix ms. */
  readonly at: number
  readonly endpoint: Endpoint
  readonly keyId: string | null
  readonly appId: string | null
  readonly orgId: string | null
  /** The model the request named, as sent (at most 256 characters), or null. */
  readonly model: string | null
  /** The provider the model routed to (its name in `providers`), once routed. */
  readonly provider: string | null
  /** The id the upstream knows the model by, once routed. */
  readonly upstreamModel: string | null
  readonly stream: boolean
  readonly status: number
  readonly outcome: RequestOutcome
  readonly errorCode: ErrorCode | null
  /** The limit that refused the request, for a 429 of Warden's own. */
  readonly limit: RefusedLimit | null
  readonly promptTokens: number
  readonly completionTokens: number
  readonly tokensSource: 'upstream' | 'counted' | 'none'
  /** From the request's start to its settlement, ms. */
  readonly totalMs: number
  /** Time spent waiting on the upstream, ms (a stream's until its end). */
  readonly upstreamMs: number
  /** When the upstream call began, ms after the start; null when none was made. */
  readonly upstreamStartMs: number | null
  /** When a stream's first chunk went to the client, ms after the start; null otherwise. */
  readonly firstChunkMs: number | null
  /** The content filter's verdicts, in the order they were made. */
  readonly content: readonly ObservedVerdict[]
  /** The checked request body as sent upstream (redacted where the filter redacted), if read. */
  readonly body: unknown
  /** The JSON answer, for a request answered in one piece; null for a stream or a failure. */
  readonly answer: JsonObject | null
}

/** Sees every request once it has settled (metrics, traces); never blocks, never throws. */
export interface RequestObserver {
  observe(observation: RequestObservation): void
}
