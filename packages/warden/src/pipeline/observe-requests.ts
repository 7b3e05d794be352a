import { isWardenError, type RequestObserver } from '../domain/index.js'
import { onSettle, type Stage } from './stage.js'

/**
 * Hands every settled request to the observers (metrics, traces) as one observation: one
 * object per request, whatever the number of observers, built from what the exchange holds.
 */
export function observeRequests(deps: { readonly observers: readonly RequestObserver[] }): Stage {
  const { observers } = deps
  return onSettle((x, end) => {
    const { principal, route, output } = x
    const { error } = end
    const observation = {
      requestId: x.requestId,
      at: x.at,
      endpoint: x.endpoint,
      keyId: principal?.keyId ?? null,
      appId: principal?.appId ?? null,
      orgId: principal?.orgId ?? null,
      model: x.model,
      provider: route?.provider.id ?? null,
      upstreamModel: route?.upstreamModel ?? null,
      stream: output?.kind === 'stream',
      status: end.status,
      outcome: end.outcome,
      errorCode: end.code,
      limit: isWardenError(error) ? error.limit : null,
      promptTokens: x.usage.promptTokens,
      completionTokens: x.usage.completionTokens,
      tokensSource: x.usage.source,
      totalMs: end.totalMs,
      upstreamMs: x.upstreamMs,
      upstreamStartMs: x.upstreamStartedAt === undefined ? null : x.upstreamStartedAt - x.startedAt,
      firstChunkMs: x.firstChunkAt === undefined ? null : x.firstChunkAt - x.startedAt,
      content: x.content,
      body: x.body,
      answer: output?.kind === 'json' && error === null ? output.body : null,
    }
    for (const observer of observers) observer.observe(observation)
  })
}
