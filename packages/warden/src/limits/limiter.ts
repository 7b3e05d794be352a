import type { LimitLevel, LimitName, Principal } from '../domain/index.js'
import type { PolicyTier } from '../policy/index.js'
import { windowStart, type CounterBackend, type SettleInput } from './counter-backend.js'
import { rateLimitHeaders, refusal } from './limit-answers.js'
import { createPlanCache, planLimits, type LimitPlan, type LimitSubject } from './limit-plan.js'

/** One request's claim on its limits, before the upstream is called. */
export interface ReserveInput {
  readonly principal: Principal
  readonly tier: PolicyTier
  readonly model: string
  /** The prompt's tokens, counted or estimated. */
  readonly promptTokens: number
  /** The completion tokens the request may use (`max_tokens`…), or null for the tier's default. */
  readonly maxTokens: number | null
  /** Unique per request across replicas: the concurrency slot is held under it. */
  readonly lease: string
}

/** A reservation that fitted: the headers to answer with, and how to settle it once. */
export interface Lease {
  /** `x-ratelimit-*` for the tightest requests and tokens counters; null when nothing limits. */
  readonly headers: Readonly<Record<string, string>> | null
  /** The tokens reserved: the prompt's and the completion's allowance. */
  readonly tokens: number
  /**
   * Gives back what was reserved and not used, charges what went over, frees the slot. Runs
   * once; never throws (a failure is reported to `onSettleError`).
   */
  settle(usedTokens: number): void
}

/** One limit's consumption, for a usage view. */
export interface LimitUsage {
  readonly level: LimitLevel
  readonly scope: string
  readonly model: string | null
  readonly name: LimitName
  readonly limit: number
  readonly used: number
  readonly remaining: number
  /** When the window starts over (Unix ms); null for concurrency. */
  readonly resetsAt: number | null
}

export interface LimiterDeps {
  readonly backend: CounterBackend
  readonly now: () => number
  /** Completion tokens reserved when neither the request nor the tier says how many. */
  readonly defaultMaxTokens: number
  readonly onSettleError: (error: unknown) => void
}

const NOTHING_LIMITS: Lease = { headers: null, tokens: 0, settle: () => undefined }

/**
 * Holds every request to the limits of its key, application (its tier, or its own) and
 * organization, per model where set. All counters are taken at once or none; a refusal throws
 * the 429 that names the limit, the level and the numbers.
 */
export function createLimiter(deps: LimiterDeps) {
  const { backend, now } = deps
  const planFor = createPlanCache()

  // Settlements wait and go out together: after the answer is written, in one call to the
  // backend (one Redis round trip) for every request that ended meanwhile, and ahead of the
  // next reservation, in its write (so a freed slot is free for it).
  let pending: SettleInput[] = []
  let timer: ReturnType<typeof setTimeout> | null = null
  const flush = (): void => {
    if (timer !== null) clearTimeout(timer)
    timer = null
    const batch = pending
    pending = []
    backend.settle(batch).catch(deps.onSettleError)
  }
  const schedule = (): void => {
    if (backend.settleDelayMs === 0) setImmediate(flush)
    else timer = setTimeout(flush, backend.settleDelayMs)
  }

  function settler(plan: LimitPlan, tokens: number, reservedAt: number, lease: string) {
    let settled = false
    return (usedTokens: number): void => {
      if (settled) return
      settled = true
      const delta = Math.max(0, Math.round(usedTokens)) - tokens
      const deltas = plan.counters.map((c) => (c.kind === 'tokens' ? delta : 0))
      if (pending.length === 0) schedule()
      pending.push({ counters: plan.counters, deltas, reservedAt, at: now(), lease })
    }
  }

  return {
    backend: backend.name,

    /** Reserves the request's share of every counter, or throws the 429. */
    async reserve(input: ReserveInput): Promise<Lease> {
      const plan = planFor(input.principal, input.tier, input.model)
      const counters = plan.counters
      if (counters.length === 0) return NOTHING_LIMITS
      const allowance = input.maxTokens ?? input.tier.default_max_tokens ?? deps.defaultMaxTokens
      const tokens = input.promptTokens + allowance
      const amounts = counters.map((c) => (c.kind === 'tokens' ? tokens : 1))
      const at = now()
      if (pending.length > 0 && backend.settleDelayMs > 0) flush()
      const result = await backend.reserve(counters, amounts, at, input.lease)
      if (!result.ok) throw refusal(plan, amounts, result.before, at)
      const before = result.before
      return {
        headers: rateLimitHeaders(plan, (i) => (before[i] as number) + (amounts[i] as number), at),
        tokens,
        settle: settler(plan, tokens, at, input.lease),
      }
    },

    /**
     * What a key has used of each limit that applies to it, and what is left, without taking
     * anything: every-model limits, and a model's own when `model` is given.
     */
    async usage(
      principal: LimitSubject,
      tier: PolicyTier,
      model: string | null,
    ): Promise<LimitUsage[]> {
      const plan = planLimits(principal, tier, model)
      const at = now()
      const values = await backend.peek(plan.counters, at)
      return plan.counters.map((c, i) => {
        const used = values[i] ?? 0
        return {
          level: c.level,
          scope: c.scope,
          model: c.model,
          name: c.name,
          limit: c.limit,
          used,
          remaining: Math.max(0, c.limit - used),
          resetsAt: c.windowMs === 0 ? null : windowStart(c, at) + c.windowMs,
        }
      })
    },

    /** Settles what is still pending, then closes the backend. */
    async close(): Promise<void> {
      if (timer !== null) clearTimeout(timer)
      const batch = pending
      pending = []
      await backend.settle(batch)
      await backend.close()
    },
  }
}

/** The limiter of this process. */
export type Limiter = ReturnType<typeof createLimiter>
