import { isWardenError, type AuditSink, type ErrorCode } from '../domain/index.js'
import { modelOf } from './exchange.js'
import type { Stage } from './stage.js'

/** Refusals worth an audit entry: someone was turned away by policy, not by a typo. */
const AUDITED: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'missing_api_key',
  'invalid_api_key',
  'api_key_revoked',
  'api_key_expired',
  'model_not_allowed',
])

/** Appends every refusal to the audit log, in the background. */
export function audit(deps: { readonly audit: AuditSink }): Stage {
  return async (x, next) => {
    try {
      await next()
    } catch (error) {
      if (isWardenError(error) && AUDITED.has(error.code)) {
        deps.audit.append({
          actor: x.principal ? `key:${x.principal.keyId}` : 'anonymous',
          action: 'request.refused',
          target: x.requestId,
          details: {
            code: error.code,
            endpoint: x.endpoint,
            model: modelOf(x),
            key_prefix: x.principal?.keyPrefix ?? null,
          },
        })
      }
      throw error
    }
  }
}
