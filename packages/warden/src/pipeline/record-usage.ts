import { performance } from 'node:perf_hooks'
import { isWardenError, WardenError, type UsageSink } from '../domain/index.js'
import { modelOf, outcomeOf, type Exchange } from './exchange.js'
import { tapStream, type Stage } from './stage.js'

/** Emits one usage event per request once it is over; for a stream, once the stream ends. */
export function recordUsage(deps: { readonly usage: UsageSink }): Stage {
  const emit = (x: Exchange, failure: unknown) => {
    // A stream the client walked away from ends without an error, but it did not complete.
    const error =
      failure === null && x.signal.aborted
        ? new WardenError('request_cancelled', 'The client closed the request.')
        : failure
    const status = error === null ? 200 : isWardenError(error) ? error.status : 500
    const code = error === null ? null : isWardenError(error) ? error.code : 'internal_error'
    const endedAt = performance.now()
    const totalMs = endedAt - x.startedAt
    if (x.output?.kind === 'stream' && x.upstreamStartedAt !== undefined) {
      x.upstreamMs = endedAt - x.upstreamStartedAt
    }
    deps.usage.record({
      requestId: x.requestId,
      at: x.at,
      endpoint: x.endpoint,
      keyId: x.principal?.keyId ?? null,
      appId: x.principal?.appId ?? null,
      orgId: x.principal?.orgId ?? null,
      model: modelOf(x),
      stream: x.output?.kind === 'stream',
      promptTokens: x.usage.promptTokens,
      completionTokens: x.usage.completionTokens,
      tokensSource: x.usage.source,
      gatewayMs: Math.max(0, totalMs - x.upstreamMs),
      upstreamMs: x.upstreamMs,
      status,
      outcome: outcomeOf(status, code),
      errorCode: code,
    })
  }

  return async (x, next) => {
    try {
      await next()
    } catch (error) {
      emit(x, error)
      throw error
    }
    const output = x.output
    if (output?.kind === 'stream') {
      x.output = {
        kind: 'stream',
        chunks: tapStream(output.chunks, { end: (error) => emit(x, error) }),
      }
    } else {
      emit(x, null)
    }
  }
}
