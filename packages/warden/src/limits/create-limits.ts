import type { Config } from '../config/index.js'
import type { CounterBackend } from './counter-backend.js'
import { createFailoverCounter, type FailoverStats } from './counters/failover-counter.js'
import { createMemoryCounter } from './counters/memory-counter.js'
import { createLimiter, type Limiter } from './limiter.js'

/** What the composition root needs to build the limiter: settings, clock, and where to report. */
export interface LimitsOptions {
  readonly config: Config['limits']
  readonly now: () => number
  /** One call per change of the shared store's state (down with the error, or back up). */
  readonly onStateChange: (up: boolean, error: unknown) => void
  readonly onSettleError: (error: unknown) => void
}

/** The limiter, its counters' state for health and metrics, and how to close it. */
export interface Limits {
  readonly limiter: Limiter
  /** The counters under the limiter (shared through Redis when set), for the throttles. */
  readonly counters: CounterBackend
  stats(): { readonly backend: CounterBackend['name'] } & Partial<FailoverStats>
  close(): Promise<void>
}

/**
 * Builds the limiter over in-process counters, or over Redis when `redisUrl` is set (the
 * driver loads only then) with the configured failure mode and in-process insurance.
 */
export async function createLimits(options: LimitsOptions): Promise<Limits> {
  const { config, now } = options
  const redisUrl = config.redisUrl.reveal()
  let backend: CounterBackend = createMemoryCounter()
  let failoverStats: (() => FailoverStats) | null = null
  if (redisUrl !== '') {
    const { createRedisCounter } = await import('./counters/redis-counter.js')
    // The client reports its connection as it changes, so a log line says at once when Redis
    // went away and when it came back, not at the next request.
    let failover: ReturnType<typeof createFailoverCounter> | null = null
    const primary = createRedisCounter({
      url: redisUrl,
      prefix: config.redisPrefix,
      timeoutMs: config.redisTimeoutMs,
      slotLeaseMs: config.slotLeaseMs,
      onConnection: (error) => failover?.connectionChanged(error),
    })
    failover = createFailoverCounter({
      primary,
      insurance: backend,
      mode: config.redisFailure,
      onStateChange: options.onStateChange,
    })
    backend = failover.backend
    failoverStats = failover.stats
  }
  const limiter = createLimiter({
    backend,
    now,
    defaultMaxTokens: config.defaultMaxTokens,
    onSettleError: options.onSettleError,
  })
  return {
    limiter,
    counters: backend,
    stats: () => ({ backend: backend.name, ...failoverStats?.() }),
    close: () => limiter.close(),
  }
}
