import type { LimitOverrideStore, Organizations } from '../../access/index.js'
import type { UsageViewDto } from '../../contract/index.js'
import { WardenError } from '../../domain/index.js'
import { usageView, usageViewJson, type Limiter } from '../../limits/index.js'
import type { PolicyVersions } from '../../policy/index.js'

/** What the usage view reads: the organization's keys, the tiers, and the live counters. */
export interface UsageViewDeps {
  readonly organizations: Organizations
  readonly limitOverrides: LimitOverrideStore
  readonly policyVersions: PolicyVersions
  /** The limiter, or null when limits are off. */
  readonly limiter: Limiter | null
}

/**
 * What an organization's keys, applications (one, when `appRef` names it) and the organization
 * itself have used of their limits now, and what is left: `GET /api/admin/usage` and
 * `GET /api/portal/usage` answer it, each after its own check of who asks.
 */
export async function usageOf(
  deps: UsageViewDeps,
  orgId: string,
  appRef: string | undefined,
): Promise<UsageViewDto> {
  const { limiter } = deps
  if (limiter === null) {
    throw new WardenError('not_found', 'Limits are off on this server (limits.enabled: false).')
  }
  let appId: string | undefined
  if (appRef !== undefined) {
    const application = await deps.organizations.findApplication(orgId, appRef)
    if (!application) {
      throw new WardenError('not_found', `No application "${appRef}".`, { param: 'app' })
    }
    appId = application.id
  }
  const subjects = await deps.limitOverrides.subjectsOf(orgId, appId)
  const snapshot = deps.policyVersions.snapshot()
  const report = await usageView(limiter, orgId, subjects, (id) => snapshot.tier(id))
  return usageViewJson(report, limiter.backend)
}
