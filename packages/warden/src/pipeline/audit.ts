import { ERRORS, type AnonymousRefusals, type AuditSink } from '../domain/index.js'
import { sourceOf } from '../limits/index.js'
import { onSettle, type Stage } from './stage.js'

/**
 * Appends every refusal that the error table marks as audited to the audit log, in the
 * background. A refusal of a caller nobody could identify goes to the roll-up instead (one
 * entry per address, code and window), so bad keys cannot grow the log without bound.
 */
export function audit(deps: {
  readonly audit: AuditSink
  readonly anonymous: AnonymousRefusals
}): Stage {
  return onSettle((x, end) => {
    if (end.code === null || !ERRORS[end.code].audited) return
    if (!x.principal) {
      deps.anonymous.refused({
        source: sourceOf(x.clientAddress),
        code: end.code,
        endpoint: x.endpoint,
      })
      return
    }
    deps.audit.append({
      actor: `key:${x.principal.keyId}`,
      action: 'request.refused',
      target: x.requestId,
      details: {
        code: end.code,
        clause: end.clause,
        endpoint: x.endpoint,
        model: x.model,
        key_prefix: x.principal.keyPrefix,
      },
    })
  })
}
