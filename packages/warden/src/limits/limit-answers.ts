import { WardenError } from '../domain/index.js'
import { windowStart } from './counter-backend.js'
import type { LimitPlan, PlannedCounter } from './limit-plan.js'

/** A duration as OpenAI's reset headers write it: `20ms`, `1s`, `59.5s`, `6m0s`, `2h5m0s`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.max(0, Math.ceil(ms))}ms`
  const tenths = Math.ceil(ms / 100)
  const hours = Math.floor(tenths / 36_000)
  const minutes = Math.floor((tenths % 36_000) / 600)
  const seconds = `${(tenths % 600) / 10}s`
  if (hours > 0) return `${hours}h${minutes}m${seconds}`
  return minutes > 0 ? `${minutes}m${seconds}` : seconds
}

/** Time until `counter`'s window ends; for slots, a short wait (no one knows when one frees). */
export function resetMs(counter: PlannedCounter, at: number): number {
  return counter.windowMs === 0 ? SLOT_RETRY_MS : windowStart(counter, at) + counter.windowMs - at
}

const SLOT_RETRY_MS = 1_000

/** The counter of `indexes` with the least left after `used`, or -1. */
function tightest(
  counters: readonly PlannedCounter[],
  indexes: readonly number[],
  used: (i: number) => number,
): number {
  let best = -1
  let bestLeft = Infinity
  for (const i of indexes) {
    const left = (counters[i] as PlannedCounter).limit - used(i)
    if (left < bestLeft) {
      best = i
      bestLeft = left
    }
  }
  return best
}

/** `Retry-After` (whole seconds, at least 1) and `retry-after-ms`, as every 429 carries them. */
export function retryAfterHeaders(waitMs: number): Record<string, string> {
  return {
    'retry-after': String(Math.max(1, Math.ceil(waitMs / 1_000))),
    'retry-after-ms': String(Math.max(1, Math.ceil(waitMs))),
  }
}

/**
 * The `x-ratelimit-*` headers OpenAI clients read, for the tightest requests counter and the
 * tightest tokens counter; `used(i)` is what counter i holds after this request.
 */
export function rateLimitHeaders(
  plan: LimitPlan,
  used: (i: number) => number,
  at: number,
): Record<string, string> {
  const headers: Record<string, string> = {}
  const family = (indexes: readonly number[], names: (typeof HEADERS)[keyof typeof HEADERS]) => {
    const i = tightest(plan.counters, indexes, used)
    if (i < 0) return
    const counter = plan.counters[i] as PlannedCounter
    headers[names.limit] = String(counter.limit)
    headers[names.remaining] = String(Math.max(0, counter.limit - used(i)))
    headers[names.reset] = formatDuration(resetMs(counter, at))
  }
  family(plan.requests, HEADERS.requests)
  family(plan.tokens, HEADERS.tokens)
  return headers
}

const HEADERS = {
  requests: {
    limit: 'x-ratelimit-limit-requests',
    remaining: 'x-ratelimit-remaining-requests',
    reset: 'x-ratelimit-reset-requests',
  },
  tokens: {
    limit: 'x-ratelimit-limit-tokens',
    remaining: 'x-ratelimit-remaining-tokens',
    reset: 'x-ratelimit-reset-tokens',
  },
} as const

const NOUN = { key: 'API key', app: 'application', org: 'organization' } as const

const LIMIT_TEXT = {
  requests_per_minute: 'requests per minute (RPM)',
  tokens_per_minute: 'tokens per minute (TPM)',
  tokens_per_day: 'tokens per day (TPD)',
  concurrent_requests: 'concurrent requests',
} as const

/** Where a counter applies, in words: `application app_… (tier sandbox) for gpt-4o*`. */
function placeOf(counter: PlannedCounter): string {
  const tier = counter.tier === null ? '' : ` (tier ${counter.tier})`
  const model = counter.model === null ? '' : ` for models ${counter.model}`
  return `${NOUN[counter.level]} ${counter.scope}${tier}${model}`
}

/**
 * The 429 for a reservation that did not fit. Of the counters that refused, it names the one
 * that frees last, so a client that waits the `Retry-After` it gives is not refused by another.
 */
export function refusal(
  plan: LimitPlan,
  amounts: readonly number[],
  before: readonly number[],
  at: number,
): WardenError {
  let chosen = -1
  let wait = -1
  plan.counters.forEach((counter, i) => {
    const amount = amounts[i] as number
    if ((before[i] as number) + amount <= counter.limit) return
    const ms = resetMs(counter, at)
    if (ms > wait) {
      chosen = i
      wait = ms
    }
  })
  const counter = plan.counters[chosen] as PlannedCounter
  const used = before[chosen] as number
  const requested = amounts[chosen] as number
  const headers = {
    ...rateLimitHeaders(plan, (i) => before[i] as number, at),
    ...retryAfterHeaders(wait),
  }
  const numbers = `Limit ${counter.limit}, Used ${used}, Requested ${requested}.`
  const where = `${LIMIT_TEXT[counter.name]} on ${placeOf(counter)}`
  const clause = counter.tier === null ? null : `tier.${counter.tier}`
  const limit = { name: counter.name, level: counter.level }
  if (counter.name === 'tokens_per_day') {
    return new WardenError(
      'insufficient_quota',
      `You exceeded your daily token budget: ${where}. ${numbers} It resets at 00:00 UTC, in ${formatDuration(wait)}.`,
      { headers, clause, limit },
    )
  }
  const type = counter.kind === 'tokens' ? 'tokens' : 'requests'
  const advice =
    requested > counter.limit
      ? 'This request alone is over the limit: lower max_tokens or shorten the prompt.'
      : `Please try again in ${formatDuration(wait)}.`
  return new WardenError(
    'rate_limit_exceeded',
    `Rate limit reached for ${where}: ${numbers} ${advice}`,
    {
      headers,
      clause,
      type,
      limit,
    },
  )
}
