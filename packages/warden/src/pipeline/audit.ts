import { ERRORS, type AuditSink } from '../domain/index.js'
import { onSettle, type Stage } from './stage.js'

/** Appends every refusal that the error table marks as audited to the audit log, in the background. */
export function audit(deps: { readonly audit: AuditSink }): Stage {
  return onSettle((x, end) => {
    if (end.code === null || !ERRORS[end.code].audited) return
    deps.audit.append({
      actor: x.principal ? `key:${x.principal.keyId}` : 'anonymous',
      action: 'request.refused',
      target: x.requestId,
      details: {
        code: end.code,
        clause: end.clause,
        endpoint: x.endpoint,
        model: x.model,
        key_prefix: x.principal?.keyPrefix ?? null,
      },
    })
  })
}
