import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { UsageEvent } from '../domain/index.js'
import type { Store } from '../store/index.js'
import { testDatabaseKinds } from '../testing/databases.js'
import { openStoreFixture, type StoreFixture } from '../testing/store-fixture.js'
import { usageEventOf } from '../testing/usage-events.js'
import { createUsageFeed, type FeedConsumer } from './usage-feed.js'
import { createUsageRecorder, type UsageRecorder } from './usage-recorder.js'

const LEASE_MS = 10_000

/** A consumer that writes down what it read, and what it was warmed with. */
function recordingConsumer() {
  const consumed: string[] = []
  const warmed: string[][] = []
  let committed = 0
  const consumer: FeedConsumer = {
    warm: (events) => void warmed.push(events.map((e) => e.requestId)),
    consume: (events: readonly UsageEvent[]) => {
      consumed.push(...events.map((e) => e.requestId))
      return Promise.resolve()
    },
    committed: () => {
      committed += 1
      return Promise.resolve()
    },
  }
  return { consumer, consumed, warmed, commits: () => committed }
}

describe.each(testDatabaseKinds(process.env.WARDEN_TEST_DATABASE_URL))(
  'usage feed contract on $name',
  (kind) => {
    let fx: StoreFixture
    let recorders: UsageRecorder[]

    beforeEach(async () => {
      fx = await openStoreFixture(kind)
      recorders = []
    })
    afterEach(async () => {
      for (const r of recorders) await r.close()
      await fx.close()
    })

    function recorder(store: Store = fx.store): UsageRecorder {
      const created = createUsageRecorder({
        store,
        batchSize: 1_000,
        flushIntervalMs: 3_600_000,
        maxQueue: 100_000,
        onError: (error) => {
          throw error
        },
      })
      recorders.push(created)
      return created
    }

    function feed(store: Store, holder: string, consumer: FeedConsumer) {
      return createUsageFeed({
        store,
        name: 'detectors',
        holder,
        now: fx.clock.now,
        leaseMs: LEASE_MS,
        batchSize: 25,
        maxBatches: 1_000,
        warmupEvents: 10,
        consumer,
      })
    }

    async function record(usage: UsageRecorder, prefix: string, count: number) {
      const ids: string[] = []
      for (let i = 0; i < count; i += 1) {
        const event = usageEventOf({ requestId: `${prefix}_${i}`, at: fx.clock.now() })
        ids.push(event.requestId)
        usage.record(event)
      }
      await usage.flush()
      return ids
    }

    it('reads every event once, in commit order, starting at the newest event when first leased', async () => {
      const usage = recorder()
      await record(usage, 'before', 5)
      const reader = recordingConsumer()
      const one = feed(fx.store, 'replica-a', reader.consumer)

      expect(await one.tick()).toEqual({ held: true, consumed: 0 })
      const ids = [...(await record(usage, 'a', 60)), ...(await record(usage, 'b', 7))]
      expect(await one.tick()).toEqual({ held: true, consumed: 67 })
      expect(await one.tick()).toEqual({ held: true, consumed: 0 })

      expect(reader.consumed).toEqual(ids)
      // Warmed once, when it took the lease, on the newest events before its cursor.
      expect(reader.warmed).toEqual([['before_0', 'before_1', 'before_2', 'before_3', 'before_4']])
      expect(reader.commits()).toBe(3)
    })

    it('lets two replicas on one database read every event of both exactly once', async () => {
      const storeB = await fx.openStore()
      const usageA = recorder()
      const usageB = recorder(storeB)
      const a = recordingConsumer()
      const b = recordingConsumer()
      const feedA = feed(fx.store, 'replica-a', a.consumer)
      const feedB = feed(storeB, 'replica-b', b.consumer)

      const ticks = await Promise.all([feedA.tick(), feedB.tick()])
      expect(ticks.filter((t) => t.held)).toHaveLength(1)
      const first = ticks[0]?.held ? feedA : feedB
      let ticking = [feedA, feedB]
      const written: string[] = []
      for (let round = 0; round < 6; round += 1) {
        written.push(...(await record(usageA, `a${round}`, 11)))
        written.push(...(await record(usageB, `b${round}`, 13)))
        // Both tick at once: one reads, the other finds the lease held.
        await Promise.all(ticking.map((f) => f.tick()))
        if (round === 2) {
          // The holder goes silent (a crash, a pause): once its lease runs out, the other
          // takes over from its cursor.
          ticking = ticking.filter((f) => f !== first)
          fx.clock.advance(LEASE_MS + 1)
        }
      }
      // The silent one comes back: it finds the lease taken and reads nothing again.
      expect(await first.tick()).toEqual({ held: false, consumed: 0 })
      await Promise.all([feedA.tick(), feedB.tick()])

      const all = [...a.consumed, ...b.consumed]
      expect(all.toSorted()).toEqual(written.toSorted())
      expect(new Set(all).size).toBe(all.length)
      expect(a.consumed.length).toBeGreaterThan(0)
      expect(b.consumed.length).toBeGreaterThan(0)
    })

    it('does not read past a consume that failed, and reads it again after a warm-up', async () => {
      const usage = recorder()
      let fail = true
      const seen: string[] = []
      let warmings = 0
      const one = feed(fx.store, 'replica-a', {
        warm: () => void (warmings += 1),
        consume: (events) => {
          seen.push(...events.map((e) => e.requestId))
          return fail ? Promise.reject(new Error('incident store down')) : Promise.resolve()
        },
        committed: () => Promise.resolve(),
      })
      await one.tick()
      await record(usage, 'x', 3)
      await expect(one.tick()).rejects.toThrow('incident store down')
      fail = false
      expect(await one.tick()).toEqual({ held: true, consumed: 3 })
      expect(seen).toEqual(['x_0', 'x_1', 'x_2', 'x_0', 'x_1', 'x_2'])
      expect(warmings).toBe(2)
    })
  },
)

describe.each(
  testDatabaseKinds(process.env.WARDEN_TEST_DATABASE_URL).filter((k) => k.name === 'postgres'),
)('usage feed on $name with transactions committing out of order', (kind) => {
  let fx: StoreFixture

  beforeEach(async () => {
    fx = await openStoreFixture(kind)
  })
  afterEach(async () => {
    await fx.close()
  })

  it('waits for an older transaction still open instead of skipping its event', async () => {
    const { default: pg } = await import('pg')
    const reader = recordingConsumer()
    const one = createUsageFeed({
      store: fx.store,
      name: 'detectors',
      holder: 'replica-a',
      now: fx.clock.now,
      leaseMs: LEASE_MS,
      batchSize: 100,
      maxBatches: 10,
      warmupEvents: 0,
      consumer: reader.consumer,
    })
    await one.tick()
    const slow = new pg.Client({ connectionString: fx.database.url })
    await slow.connect()
    try {
      // A replica's batch insert takes its sequence numbers, then is slow to commit…
      await slow.query('begin')
      await slow.query(
        `insert into usage_event (request_id, at, endpoint, stream, prompt_tokens,
           completion_tokens, tokens_source, gateway_ms, upstream_ms, status, outcome)
         values ('slow', 1, 'chat', 0, 0, 0, 'none', 0, 0, 200, 'ok')`,
      )
      // …while another replica's later batch commits at once.
      const usage = createUsageRecorder({
        store: fx.store,
        batchSize: 10,
        flushIntervalMs: 3_600_000,
        maxQueue: 10,
        onError: () => undefined,
      })
      usage.record(usageEventOf({ requestId: 'fast' }))
      await usage.close()

      expect(await one.tick()).toEqual({ held: true, consumed: 0 })
      await slow.query('commit')
      expect(await one.tick()).toEqual({ held: true, consumed: 2 })
      expect(reader.consumed).toEqual(['slow', 'fast'])
    } finally {
      await slow.end()
    }
  })
})
