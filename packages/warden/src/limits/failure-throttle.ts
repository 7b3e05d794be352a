import { createHash } from 'node:crypto'
import type { CounterBackend } from './counter-backend.js'

/** One kind of subject failures are counted for: a client address, a username. */
export interface ThrottleRule {
  /** `address`, `user`: the key of the subject in {@link Subjects}. */
  readonly name: string
  /** Failures a subject may have in one window; the next attempt waits for the window's end. */
  readonly limit: number
  readonly windowMs: number
}

/** The subjects of one attempt, by rule name: `{ address: '203.0.113.7', user: 'ana' }`. */
export type Subjects = Readonly<Record<string, string>>

export interface FailureThrottleOptions {
  /** Counters shared by every replica (Redis) or this process's own (memory). */
  readonly counters: Pick<CounterBackend, 'reserve' | 'peek'>
  /** Names the throttle in its counters' keys: `login`, `anonymous`. */
  readonly name: string
  readonly rules: readonly ThrottleRule[]
  readonly now: () => number
  /** Subjects remembered as blocked in this process; the oldest is forgotten past it. */
  readonly maxBlocked?: number
}

/**
 * Counts failures (wrong passwords, unknown API keys) per subject and window, and makes a
 * subject that reached its limit wait for the window's end. Only failures are counted, so a
 * legitimate caller pays nothing. What this process has seen blocked is remembered locally,
 * so a blocked flood is refused without any I/O; `check` also asks the shared counters, for
 * rare paths (signing in) where one replica must not allow what another has blocked.
 */
export interface FailureThrottle {
  /** Whether any subject is blocked in this process: when not, nothing needs looking up. */
  blocksAny(): boolean
  /** Milliseconds the attempt must wait, from this process's memory alone; 0 when none. */
  blockedFor(subjects: Subjects): number
  /** Milliseconds the attempt must wait, asking the shared counters as well; 0 when none. */
  check(subjects: Subjects): Promise<number>
  /** Counts one failure of each subject; resolves to the wait it has now earned, or 0. */
  failed(subjects: Subjects): Promise<number>
}

/** Keys stay short and hold no username or address in the clear. */
const digest = (subject: string) =>
  createHash('sha256').update(subject).digest('base64url').slice(0, 22)

export function createFailureThrottle(options: FailureThrottleOptions): FailureThrottle {
  const { counters, rules, now } = options
  const maxBlocked = options.maxBlocked ?? 10_000
  /** `rule\0subject` → when its block ends (Unix ms). */
  const blocked = new Map<string, number>()
  const localKey = (rule: ThrottleRule, subject: string) => `${rule.name}\u0000${subject}`

  const counterOf = (rule: ThrottleRule, subject: string) => ({
    key: `throttle:${options.name}:${rule.name}:${digest(subject)}`,
    windowMs: rule.windowMs,
    limit: rule.limit,
  })
  const windowEnd = (rule: ThrottleRule, at: number) => at - (at % rule.windowMs) + rule.windowMs

  const block = (key: string, until: number) => {
    blocked.delete(key)
    blocked.set(key, until)
    if (blocked.size > maxBlocked) {
      const oldest = blocked.keys().next().value
      if (oldest !== undefined) blocked.delete(oldest)
    }
  }

  const applicable = (subjects: Subjects) =>
    rules.flatMap((rule) => {
      const subject = subjects[rule.name]
      return subject === undefined
        ? []
        : [{ rule, local: localKey(rule, subject), counter: counterOf(rule, subject) }]
    })

  function blockedFor(subjects: Subjects): number {
    // The common case, on every request: nobody is blocked, so nothing to look up or hash.
    if (blocked.size === 0) return 0
    const at = now()
    let wait = 0
    for (const rule of rules) {
      const subject = subjects[rule.name]
      if (subject === undefined) continue
      const key = localKey(rule, subject)
      const until = blocked.get(key)
      if (until === undefined) continue
      if (until <= at) blocked.delete(key)
      else wait = Math.max(wait, until - at)
    }
    return wait
  }

  return {
    blocksAny: () => blocked.size > 0,
    blockedFor,

    async check(subjects) {
      const local = blockedFor(subjects)
      if (local > 0) return local
      const at = now()
      const found = applicable(subjects)
      const values = await counters.peek(
        found.map((f) => f.counter),
        at,
      )
      let wait = 0
      found.forEach(({ rule, local }, i) => {
        if ((values[i] ?? 0) < rule.limit) return
        const until = windowEnd(rule, at)
        block(local, until)
        wait = Math.max(wait, until - at)
      })
      return wait
    },

    async failed(subjects) {
      const at = now()
      let wait = 0
      // Each subject on its own: a full address counter must not stop the user's from counting.
      for (const { rule, local, counter } of applicable(subjects)) {
        const result = await counters.reserve([counter], [1], at, '')
        const count = (result.before[0] ?? 0) + (result.ok ? 1 : 0)
        if (count < rule.limit) continue
        const until = windowEnd(rule, at)
        block(local, until)
        wait = Math.max(wait, until - at)
      }
      return wait
    },
  }
}
