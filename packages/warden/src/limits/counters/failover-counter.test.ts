import { describe, expect, it } from 'vitest'
import { WardenError } from '../../domain/index.js'
import type { Counter, CounterBackend } from '../counter-backend.js'
import { createFailoverCounter, type FailureMode } from './failover-counter.js'
import { createMemoryCounter } from './memory-counter.js'

const counter: Counter = { key: 'app:app_1:rpm', windowMs: 60_000, limit: 2 }
const slots: Counter = { key: 'app:app_1:conc', windowMs: 0, limit: 5 }

/** A shared store that can be taken away and brought back, counting in memory meanwhile. */
function flakyStore() {
  const inner = createMemoryCounter()
  let down = false
  const guard = <T>(run: () => Promise<T>): Promise<T> =>
    down ? Promise.reject(new Error('connect ECONNREFUSED')) : run()
  const store: CounterBackend = {
    name: 'redis',
    settleDelayMs: 0,
    reserve: (...args) => guard(() => inner.reserve(...args)),
    settle: (input) => guard(() => inner.settle(input)),
    peek: (...args) => guard(() => inner.peek(...args)),
    close: () => inner.close(),
  }
  return { store, inner, setDown: (value: boolean) => void (down = value) }
}

function setup(mode: FailureMode) {
  const flaky = flakyStore()
  const insurance = createMemoryCounter()
  const changes: boolean[] = []
  const failover = createFailoverCounter({
    primary: flaky.store,
    insurance,
    mode,
    onStateChange: (up) => void changes.push(up),
  })
  return { ...flaky, insurance, changes, failover, backend: failover.backend }
}

const reserve = (backend: CounterBackend, lease: string) =>
  backend.reserve([counter, slots], [1, 1], 1_000, lease)

describe('the shared store with a failure mode', () => {
  it('closed: refuses with 503 and Retry-After while the store is away, then serves again', async () => {
    const s = setup('closed')
    expect((await reserve(s.backend, 'a')).ok).toBe(true)
    s.setDown(true)
    const refusals: unknown[] = []
    for (const lease of ['b', 'c', 'd']) {
      await reserve(s.backend, lease).catch((error: unknown) => void refusals.push(error))
    }
    expect(refusals).toHaveLength(3)
    const refusal = refusals[0] as WardenError
    expect(refusal).toBeInstanceOf(WardenError)
    expect(refusal.status).toBe(503)
    expect(refusal.code).toBe('service_unavailable')
    expect(refusal.headers).toMatchObject({ 'retry-after': '1' })
    expect(await s.insurance.peek([counter], 1_000)).toEqual([0])
    s.setDown(false)
    expect((await reserve(s.backend, 'e')).ok).toBe(true)
    expect((await reserve(s.backend, 'f')).ok).toBe(false)
    // One report when it went away and one when it came back, however many requests failed.
    expect(s.changes).toEqual([false, true])
    expect(s.failover.stats()).toEqual({
      mode: 'closed',
      primary: 'up',
      outages: 1,
      degradedRequests: 3,
    })
  })

  it('open: counts in this process while the store is away, never without limits', async () => {
    const s = setup('open')
    s.setDown(true)
    expect((await reserve(s.backend, 'a')).ok).toBe(true)
    expect((await reserve(s.backend, 'b')).ok).toBe(true)
    expect((await reserve(s.backend, 'c')).ok).toBe(false)
    expect(s.failover.stats().primary).toBe('down')
    expect(await s.insurance.peek([slots], 1_000)).toEqual([2])
    s.setDown(false)
    // The settlement goes where the reservation went, even once the store is back.
    await s.backend.settle([
      { counters: [counter, slots], deltas: [0, 0], reservedAt: 1_000, at: 1_000, lease: 'a' },
    ])
    expect(await s.insurance.peek([slots], 1_000)).toEqual([1])
    expect(s.changes).toEqual([false])
    expect((await reserve(s.backend, 'd')).ok).toBe(true)
    expect(await s.inner.peek([counter], 1_000)).toEqual([1])
    expect(s.changes).toEqual([false, true])
  })
})
