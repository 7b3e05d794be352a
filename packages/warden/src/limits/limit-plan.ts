import type {
  LimitLevel,
  LimitName,
  LimitOverrides,
  LimitValues,
  Principal,
} from '../domain/index.js'
import { modelMatches, type PolicyTier } from '../policy/index.js'
import type { Counter } from './counter-backend.js'

/** Whose limits a plan counts: a key with its application and organization, and their overrides. */
export type LimitSubject = Pick<Principal, 'keyId' | 'appId' | 'orgId' | 'limits'>

/** What a counter counts, which decides the amount a request takes from it. */
export type CounterKind = 'requests' | 'tokens' | 'slots'

/** One counter of a request's plan, with what the answers and the usage view say about it. */
export interface PlannedCounter extends Counter {
  readonly name: LimitName
  readonly kind: CounterKind
  readonly level: LimitLevel
  /** The id of the key, application or organization. */
  readonly scope: string
  /** The model pattern of a per-model limit, or null for one that counts every model. */
  readonly model: string | null
  /** The tier the value comes from, when it is the tier's (a refusal cites `tier.<id>`). */
  readonly tier: string | null
}

/** Every counter one request of a principal, for one model, is checked against. */
export interface LimitPlan {
  readonly counters: readonly PlannedCounter[]
  /** Indexes into `counters` by kind, so the answer's headers need no search by name. */
  readonly requests: readonly number[]
  readonly tokens: readonly number[]
}

const MINUTE = 60_000
const DAY = 86_400_000

const SHAPE: Readonly<Record<LimitName, { kind: CounterKind; windowMs: number; suffix: string }>> =
  {
    requests_per_minute: { kind: 'requests', windowMs: MINUTE, suffix: 'rpm' },
    tokens_per_minute: { kind: 'tokens', windowMs: MINUTE, suffix: 'tpm' },
    tokens_per_day: { kind: 'tokens', windowMs: DAY, suffix: 'tpd' },
    concurrent_requests: { kind: 'slots', windowMs: 0, suffix: 'conc' },
  }

/** The pattern of `patterns` that names `model` most closely: itself, else the longest match. */
export function closestPattern(patterns: readonly string[], model: string): string | null {
  let best: string | null = null
  for (const pattern of patterns) {
    if (pattern === model) return pattern
    if (modelMatches(pattern, model) && (best === null || pattern.length > best.length)) {
      best = pattern
    }
  }
  return best
}

/** One level's limits for every model and, apart, for the model's closest pattern. */
interface LevelLimits {
  readonly all: LimitValues | undefined
  readonly pattern: string | null
  readonly forModel: LimitValues | undefined
}

function levelLimits(overrides: LimitOverrides | null, model: string | null): LevelLimits {
  const models = overrides?.models
  const pattern = models && model !== null ? closestPattern(Object.keys(models), model) : null
  return {
    all: overrides?.limits,
    pattern,
    forModel: pattern === null ? undefined : models?.[pattern],
  }
}

/** An application's limits: the tier's, each replaced by the application's own where it set one. */
function applicationLimits(
  tier: PolicyTier,
  overrides: LimitOverrides | null,
  model: string | null,
) {
  const own = levelLimits(overrides, model)
  const tierModels = tier.model_limits
  const tierPattern =
    tierModels && model !== null ? closestPattern(Object.keys(tierModels), model) : null
  const tierForModel = tierPattern === null ? undefined : tierModels?.[tierPattern]
  return {
    all: { ...tier.limits, ...own.all },
    pattern: own.pattern ?? tierPattern,
    forModel:
      own.forModel === undefined && tierForModel === undefined
        ? undefined
        : { ...tierForModel, ...own.forModel },
  }
}

/**
 * Builds the counters of one request: each level (key, application, organization) with the
 * limits it has for every model and, counted apart, those for the requested model's pattern.
 * `model` null plans only the every-model counters (the usage view of a whole key).
 */
export function planLimits(
  principal: LimitSubject,
  tier: PolicyTier,
  model: string | null,
): LimitPlan {
  const counters: PlannedCounter[] = []
  const add = (
    level: LimitLevel,
    scope: string,
    pattern: string | null,
    values: LimitValues | undefined,
    fromTier: boolean,
  ): void => {
    if (values === undefined) return
    const base = pattern === null ? `${level}:${scope}` : `${level}:${scope}:model:${pattern}`
    for (const name of Object.keys(SHAPE) as LimitName[]) {
      const limit = values[name]
      if (limit === undefined) continue
      const shape = SHAPE[name]
      counters.push({
        key: `${base}:${shape.suffix}`,
        windowMs: shape.windowMs,
        limit,
        name,
        kind: shape.kind,
        level,
        scope,
        model: pattern,
        tier: fromTier ? tier.id : null,
      })
    }
  }
  const levels: ReadonlyArray<[LimitLevel, string, LevelLimits, boolean]> = [
    ['key', principal.keyId, levelLimits(principal.limits.key, model), false],
    ['app', principal.appId, applicationLimits(tier, principal.limits.app, model), true],
    ['org', principal.orgId, levelLimits(principal.limits.org, model), false],
  ]
  for (const [level, scope, limits, fromTier] of levels) {
    add(level, scope, null, limits.all, fromTier)
    add(level, scope, limits.pattern, limits.forModel, fromTier)
  }
  const indexes = (kinds: readonly CounterKind[]) =>
    counters.flatMap((c, i) => (kinds.includes(c.kind) ? [i] : []))
  return { counters, requests: indexes(['requests']), tokens: indexes(['tokens']) }
}

/**
 * Plans cached per principal (the key cache hands out the same object until something
 * changes) and model, so a request builds none: the tier is compared by identity, and a new
 * policy snapshot makes new plans.
 */
export function createPlanCache(maxModels = 64) {
  const cache = new WeakMap<Principal, { tier: PolicyTier; byModel: Map<string, LimitPlan> }>()
  return (principal: Principal, tier: PolicyTier, model: string): LimitPlan => {
    let entry = cache.get(principal)
    if (entry === undefined || entry.tier !== tier) {
      entry = { tier, byModel: new Map() }
      cache.set(principal, entry)
    }
    let plan = entry.byModel.get(model)
    if (plan === undefined) {
      if (entry.byModel.size >= maxModels) entry.byModel.clear()
      plan = planLimits(principal, tier, model)
      entry.byModel.set(model, plan)
    }
    return plan
  }
}
