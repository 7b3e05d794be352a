import type { PolicyTier } from '../policy/index.js'
import type { LimitSubject } from './limit-plan.js'
import type { Limiter, LimitUsage } from './limiter.js'

/** One key to report on, with what names it and its application. */
export interface UsageSubject extends LimitSubject {
  readonly keyPrefix: string
  readonly appName: string
  /** The application's tier id; null is the policy's default tier. */
  readonly tier: string | null
}

/** One limit in a usage view: how much of it is used now and what is left. */
export interface UsageLine {
  readonly name: LimitUsage['name']
  /** The model pattern of a per-model limit; null for one that counts every model. */
  readonly model: string | null
  readonly limit: number
  readonly used: number
  readonly remaining: number
  /** When the window starts over (Unix ms); null for concurrency. */
  readonly resetsAt: number | null
}

/** Consumption and remaining budget of an organization, its applications and their keys. */
export interface UsageView {
  readonly organization: { readonly id: string; readonly limits: readonly UsageLine[] }
  readonly applications: ReadonlyArray<{
    readonly id: string
    readonly name: string
    readonly tier: string
    readonly limits: readonly UsageLine[]
  }>
  readonly keys: ReadonlyArray<{
    readonly id: string
    readonly prefix: string
    readonly appId: string
    readonly limits: readonly UsageLine[]
  }>
}

const lineOf = (u: LimitUsage): UsageLine => ({
  name: u.name,
  model: u.model,
  limit: u.limit,
  used: u.used,
  remaining: u.remaining,
  resetsAt: u.resetsAt,
})

/**
 * Reads, without taking anything, what an organization's keys, their applications and the
 * organization itself have used of each limit that applies at their level, and what is left:
 * the live counters the limiter decides with (in this process, or shared through Redis).
 */
export async function usageView(
  limiter: Limiter,
  orgId: string,
  subjects: readonly UsageSubject[],
  tierOf: (id: string | null) => PolicyTier,
): Promise<UsageView> {
  const organization: UsageLine[] = []
  const applications = new Map<string, UsageView['applications'][number]>()
  const keys: Array<UsageView['keys'][number]> = []
  for (const subject of subjects) {
    const tier = tierOf(subject.tier)
    const usage = await limiter.usage(subject, tier, null)
    if (organization.length === 0) {
      organization.push(...usage.filter((u) => u.level === 'org').map(lineOf))
    }
    if (!applications.has(subject.appId)) {
      applications.set(subject.appId, {
        id: subject.appId,
        name: subject.appName,
        tier: tier.id,
        limits: usage.filter((u) => u.level === 'app').map(lineOf),
      })
    }
    keys.push({
      id: subject.keyId,
      prefix: subject.keyPrefix,
      appId: subject.appId,
      limits: usage.filter((u) => u.level === 'key').map(lineOf),
    })
  }
  return {
    organization: { id: orgId, limits: organization },
    applications: [...applications.values()],
    keys,
  }
}

const lineJson = (l: UsageLine) => ({
  name: l.name,
  model: l.model,
  limit: l.limit,
  used: l.used,
  remaining: l.remaining,
  resets_at: l.resetsAt === null ? null : Math.floor(l.resetsAt / 1_000),
})

/** The view as the admin and portal APIs and `warden usage --json` print it (`UsageViewDto`). */
export function usageViewJson(view: UsageView, counters: 'memory' | 'redis') {
  return {
    organization: { id: view.organization.id, limits: view.organization.limits.map(lineJson) },
    applications: view.applications.map((a) => ({
      id: a.id,
      name: a.name,
      tier: a.tier,
      limits: a.limits.map(lineJson),
    })),
    keys: view.keys.map((k) => ({
      id: k.id,
      prefix: k.prefix,
      app_id: k.appId,
      limits: k.limits.map(lineJson),
    })),
    counters,
  }
}
