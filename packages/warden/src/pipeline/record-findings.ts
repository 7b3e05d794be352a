import type { ContentFindingEvent, ContentFindingSink } from '../domain/index.js'
import { onSettle, type Stage } from './stage.js'

/**
 * Stores what the content filter found in the request and its answer once the request has
 * settled (a stream's output findings are in by then): where, what and what was done, never
 * the text. Findings below their threshold are not stored; classifier failures are.
 */
export function recordFindings(deps: { readonly findings: ContentFindingSink }): Stage {
  return onSettle((x) => {
    if (x.content.length === 0) return
    const base = {
      requestId: x.requestId,
      at: x.at,
      endpoint: x.endpoint,
      keyId: x.principal?.keyId ?? null,
      appId: x.principal?.appId ?? null,
      orgId: x.principal?.orgId ?? null,
    }
    const events: ContentFindingEvent[] = []
    for (const { direction, verdict } of x.content) {
      for (const f of verdict.findings) {
        if (f.action === 'allow') continue
        events.push({
          ...base,
          direction,
          category: f.category,
          label: f.label ?? null,
          score: f.score,
          action: f.action,
          clause: f.clause,
          classifier: f.classifier,
          textIndex: f.text,
          spanStart: f.span?.start ?? null,
          spanEnd: f.span?.end ?? null,
        })
      }
      for (const failure of verdict.failures) {
        events.push({
          ...base,
          direction,
          category: 'classifier_failure',
          label: failure.reason,
          score: 1,
          action: failure.fail === 'closed' ? 'block' : 'allow',
          clause: null,
          classifier: failure.classifier,
          textIndex: null,
          spanStart: null,
          spanEnd: null,
        })
      }
    }
    if (events.length > 0) deps.findings.record(events)
  })
}
