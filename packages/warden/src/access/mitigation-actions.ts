import type { MitigationActions } from '../domain/index.js'
import type { ApiKeys } from './api-keys.js'
import type { LimitOverrideStore } from './limit-overrides.js'
import type { Organizations } from './organizations.js'
import type { Webhooks } from './webhooks.js'

/** What monitoring's mitigations act through: the access operations, each audited there. */
export function createMitigationActions(deps: {
  readonly apiKeys: Pick<ApiKeys, 'setSuspended'>
  readonly organizations: Pick<Organizations, 'setStatus' | 'getApplication'>
  readonly limitOverrides: Pick<LimitOverrideStore, 'get' | 'set' | 'clear'>
  readonly webhooks: Pick<Webhooks, 'enqueueChannel'>
}): MitigationActions {
  const { apiKeys, organizations, limitOverrides, webhooks } = deps
  const reasonOf = (context: { readonly reason: string; readonly incidentId: string }) =>
    `${context.reason} (incident ${context.incidentId})`
  return {
    notify: (input) => webhooks.enqueueChannel(input),
    getLimits: (level, id) => limitOverrides.get(level, id),
    async setLimits(level, id, overrides, context) {
      if (overrides === null) await limitOverrides.clear(level, id, context.actor)
      else await limitOverrides.set(level, id, overrides, context.actor)
    },
    setKeySuspended: (keyId, suspended, context) =>
      apiKeys.setSuspended(keyId, suspended, {
        actor: context.actor,
        reason: context.reason,
        incidentId: context.incidentId,
      }),
    async setAppStatus(appId, status, context) {
      const before = await organizations.getApplication(appId)
      if (before.status !== status) {
        await organizations.setStatus(appId, status, {
          actor: context.actor,
          reason: reasonOf(context),
        })
      }
      return before.status
    },
  }
}
