import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import type { CounterBackend } from './counter-backend.js'
import { createMemoryCounter } from './counters/memory-counter.js'
import { createRedisCounter } from './counters/redis-counter.js'
import { createFailureThrottle } from './failure-throttle.js'

const MINUTE = 60_000
const T0 = Date.UTC(2026, 11, 2, 10, 0, 0)
const redisUrl = process.env.WARDEN_TEST_REDIS_URL

const backends: Array<[string, () => CounterBackend]> = [['memory', () => createMemoryCounter()]]
const opened: CounterBackend[] = []
if (redisUrl) {
  backends.push([
    'redis',
    () => {
      const backend = createRedisCounter({
        url: redisUrl,
        prefix: `warden-test:${randomUUID()}:`,
        timeoutMs: 1_000,
        slotLeaseMs: 60_000,
      })
      opened.push(backend)
      return backend
    },
  ])
}
afterAll(async () => {
  await Promise.all(opened.map((b) => b.close()))
})

describe.each(backends)('the failure throttle (%s counters)', (_name, open) => {
  function setUp() {
    const counters = open()
    let clock = T0 + 5_000
    const rules = [
      { name: 'address', limit: 5, windowMs: MINUTE },
      { name: 'user', limit: 3, windowMs: MINUTE },
    ]
    const make = () => createFailureThrottle({ counters, name: 'login', rules, now: () => clock })
    return { make, at: (ms: number) => (clock = T0 + ms) }
  }

  it('lets the limit of failures through, then makes the subject wait for the window’s end', async () => {
    const { make, at } = setUp()
    const throttle = make()
    const alice = { address: '203.0.113.7', user: 'alice' }
    for (let i = 1; i <= 2; i += 1) expect(await throttle.failed(alice)).toBe(0)
    expect(throttle.blocksAny()).toBe(false)
    expect(await throttle.check(alice)).toBe(0)
    // The third failure reaches the user's limit: wait until the minute is over.
    expect(await throttle.failed(alice)).toBe(55_000)
    expect(throttle.blockedFor(alice)).toBe(55_000)
    expect(throttle.blocksAny()).toBe(true)
    expect(await throttle.check(alice)).toBe(55_000)
    // Another user from the same address is not blocked until the address's own limit.
    const bob = { address: '203.0.113.7', user: 'bob' }
    expect(throttle.blockedFor(bob)).toBe(0)
    expect(await throttle.failed(bob)).toBe(0)
    expect(await throttle.failed(bob)).toBe(55_000) // the address's fifth failure
    expect(throttle.blockedFor({ address: '198.51.100.2', user: 'carol' })).toBe(0)
    at(MINUTE)
    expect(throttle.blockedFor(alice)).toBe(0)
    expect(await throttle.check(alice)).toBe(0)
  })

  it('tells a second replica, through the shared counters, what the first has blocked', async () => {
    const { make } = setUp()
    const first = make()
    const second = make()
    const dave = { address: '192.0.2.1', user: 'dave' }
    for (let i = 0; i < 3; i += 1) await first.failed(dave)
    expect(second.blockedFor(dave)).toBe(0)
    expect(await second.check(dave)).toBe(55_000)
    expect(second.blockedFor(dave)).toBe(55_000)
  })

  it('keeps counting a user even when the address counter is full', async () => {
    const { make } = setUp()
    const throttle = make()
    for (let i = 0; i < 5; i += 1) await throttle.failed({ address: '192.0.2.9', user: `u${i}` })
    expect(await throttle.failed({ address: '192.0.2.9', user: 'erin' })).toBe(55_000)
    await throttle.failed({ address: '192.0.2.10', user: 'erin' })
    expect(await throttle.failed({ address: '192.0.2.11', user: 'erin' })).toBe(55_000)
    expect(throttle.blockedFor({ address: '192.0.2.12', user: 'erin' })).toBe(55_000)
  })
})

describe('the failure throttle’s memory', () => {
  it('forgets the oldest blocked subject past its bound', async () => {
    const throttle = createFailureThrottle({
      counters: createMemoryCounter(),
      name: 'anonymous',
      rules: [{ name: 'address', limit: 1, windowMs: MINUTE }],
      now: () => T0,
      maxBlocked: 2,
    })
    for (const address of ['a', 'b', 'c']) await throttle.failed({ address })
    expect(throttle.blockedFor({ address: 'a' })).toBe(0)
    expect(throttle.blockedFor({ address: 'b' })).toBe(MINUTE)
    expect(throttle.blockedFor({ address: 'c' })).toBe(MINUTE)
  })
})
