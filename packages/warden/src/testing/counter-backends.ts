import { randomBytes } from 'node:crypto'
import type { CounterBackend } from '../limits/index.js'
import { createMemoryCounter } from '../limits/index.js'
import { createRedisCounter } from '../limits/counters/redis-counter.js'

/** A counter backend a contract suite runs on: memory always, Redis when its URL is given. */
export interface CounterBackendKind {
  readonly name: 'memory' | 'redis'
  /** A fresh backend; on Redis under a prefix of its own, so suites never see each other's keys. */
  create(): CounterBackend
}

/** The backends to run limiter suites on, given the test environment. */
export function counterBackendKinds(redisUrl: string | undefined): CounterBackendKind[] {
  const memory: CounterBackendKind = { name: 'memory', create: () => createMemoryCounter() }
  if (!redisUrl) return [memory]
  return [
    memory,
    {
      name: 'redis',
      create: () =>
        createRedisCounter({
          url: redisUrl,
          prefix: `warden-test:${randomBytes(6).toString('hex')}:`,
          timeoutMs: 2_000,
          slotLeaseMs: 600_000,
        }),
    },
  ]
}
