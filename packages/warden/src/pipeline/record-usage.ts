import type { UsageSink } from '../domain/index.js'
import { onSettle, type Stage } from './stage.js'

/** Emits one usage event per request once it has settled; for a stream, once the stream ends. */
export function recordUsage(deps: { readonly usage: UsageSink }): Stage {
  return onSettle((x, end) => {
    deps.usage.record({
      requestId: x.requestId,
      at: x.at,
      endpoint: x.endpoint,
      keyId: x.principal?.keyId ?? null,
      appId: x.principal?.appId ?? null,
      orgId: x.principal?.orgId ?? null,
      model: x.model,
      stream: x.output?.kind === 'stream',
      promptTokens: x.usage.promptTokens,
      completionTokens: x.usage.completionTokens,
      tokensSource: x.usage.source,
      gatewayMs: Math.max(0, end.totalMs - x.upstreamMs),
      upstreamMs: x.upstreamMs,
      status: end.status,
      outcome: end.outcome,
      errorCode: end.code,
      clause: end.clause,
    })
  })
}
