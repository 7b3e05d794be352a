import type { Config } from './config/index.js'
import type { AnonymousRefusals, AuditSink } from './domain/index.js'
import {
  createFailureThrottle,
  createMemoryCounter,
  sourceOf,
  type CounterBackend,
  type FailureThrottle,
} from './limits/index.js'
import { createRefusalRollup } from './monitoring/index.js'

/** The codes of a caller who sent no usable key: these count against its address. */
const BAD_KEY_CODES = new Set(['missing_api_key', 'invalid_api_key'])

export interface ThrottleDeps {
  readonly config: Config['throttle']
  /** The limiter's counters (shared through Redis when set), or null when limits are off. */
  readonly counters: CounterBackend | null
  readonly audit: AuditSink
  readonly now: () => number
  readonly onError: (error: unknown) => void
}

/** The throttles against floods of bad keys and password guesses, and the refusals' roll-up. */
export interface Throttles {
  readonly anonymous: AnonymousRefusals
  /** Failed sign-ins per client address and per username. */
  readonly login: FailureThrottle
  /** Writes what the roll-up holds now, the current window included. */
  flush(): void
  /** Writes what the roll-up holds and stops its timer. */
  close(): void
}

export function createThrottles(deps: ThrottleDeps): Throttles {
  const { config, now } = deps
  // Shared through Redis when the limits are; otherwise counters of their own, whose cells go
  // within the hour (the limiter's in-process cells last days, fine for keys, not for every
  // username an attacker tries).
  const counters =
    deps.counters?.name === 'redis'
      ? deps.counters
      : createMemoryCounter({ idleMs: 3_600_000, sweepEveryMs: 60_000 })
  const rollup = createRefusalRollup({
    audit: deps.audit,
    windowMs: config.rollupSeconds * 1_000,
    maxSources: 10_000,
    now,
  })
  const badKeys = createFailureThrottle({
    counters,
    name: 'anonymous',
    rules: [{ name: 'address', limit: config.anonymousPerMinute, windowMs: 60_000 }],
    now,
  })
  const loginWindowMs = config.loginWindowMinutes * 60_000
  const login = createFailureThrottle({
    counters,
    name: 'login',
    rules: [
      { name: 'address', limit: config.loginPerAddress, windowMs: loginWindowMs },
      { name: 'user', limit: config.loginPerUser, windowMs: loginWindowMs },
    ],
    now,
  })
  return {
    anonymous: {
      refused(refusal) {
        rollup.refused(refusal)
        if (BAD_KEY_CODES.has(refusal.code)) {
          badKeys.failed({ address: refusal.source }).catch(deps.onError)
        }
      },
      // Every request asks; only while some address is held back is its source worked out.
      waitFor: (clientAddress) =>
        badKeys.blocksAny() ? badKeys.blockedFor({ address: sourceOf(clientAddress) }) : 0,
    },
    login,
    flush: () => rollup.flush(true),
    close: () => rollup.close(),
  }
}
