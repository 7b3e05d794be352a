import type { Kysely } from 'kysely'
import type { UsageEvent } from '../domain/index.js'
import type { Database, Store } from '../store/index.js'
import { usageEventOfRow } from './usage-recorder.js'

/** What reads the feed: detectors and the incidents they raise. */
export interface FeedConsumer {
  /**
   * Starts afresh from these events (the newest before the cursor): state is rebuilt from them
   * and whatever they would raise is dropped, as it was raised when they were first read.
   */
  warm(events: readonly UsageEvent[]): void
  /** Reads the next events, inside the transaction that moves the cursor past them. */
  consume(events: readonly UsageEvent[], trx: Kysely<Database>): Promise<void>
  /** Runs once the transaction of a `consume` committed: work that is not the database's. */
  committed(): Promise<void>
}

export interface UsageFeedOptions {
  readonly store: Pick<Store, 'db' | 'usageFeed'>
  /** The lease's name: one consumer of that name at a time across every replica. */
  readonly name: string
  /** This process, as the lease names its holder. */
  readonly holder: string
  readonly now: () => number
  /** How long a lease lasts unless renewed (each tick renews it). */
  readonly leaseMs: number
  /** Events read per transaction. */
  readonly batchSize: number
  /** Batches read per tick at most, so one tick stays short. */
  readonly maxBatches: number
  /** Events before the cursor a new holder warms its state with. */
  readonly warmupEvents: number
  readonly consumer: FeedConsumer
}

/** The consumer lost its lease while it read: another replica holds it now. */
class LeaseLost extends Error {}

/** What one tick did. */
export interface FeedTick {
  /** Whether this process holds the lease after the tick. */
  readonly held: boolean
  /** Events consumed in the tick. */
  readonly consumed: number
}

/**
 * The live usage feed: one replica at a time (the holder of a lease row in `monitor_lease`)
 * reads `usage_event` in commit order from its cursor, and moves the cursor in the same
 * transaction as what the events caused, fenced by the lease: every replica's events are read
 * once. A replica that takes the lease over warms its consumer on the events before the cursor.
 */
export function createUsageFeed(options: UsageFeedOptions) {
  const { store, name, holder, now, consumer } = options
  const { db } = store
  let cursor: string | null = null
  let timer: NodeJS.Timeout | null = null
  let running: Promise<unknown> | null = null
  let closed = false
  let created = false

  /** Takes or renews the lease; the cursor when this process holds it, else null. */
  async function lease(): Promise<string | null> {
    const at = now()
    if (!created) {
      // A new lease starts at the newest event: history before monitoring began is not news.
      const start = await store.usageFeed.head()
      await db
        .insertInto('monitor_lease')
        .values({ name, holder, expires_at: 0, cursor: start, updated_at: at })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute()
      created = true
    }
    const taken = await db
      .updateTable('monitor_lease')
      .set({ holder, expires_at: at + options.leaseMs, updated_at: at })
      .where('name', '=', name)
      .where((eb) => eb.or([eb('holder', '=', holder), eb('expires_at', '<', at)]))
      .executeTakeFirst()
    if (taken.numUpdatedRows !== 1n) return null
    const row = await db
      .selectFrom('monitor_lease')
      .select(['cursor', 'holder'])
      .where('name', '=', name)
      .executeTakeFirst()
    return row?.holder === holder ? row.cursor : null
  }

  async function tick(): Promise<FeedTick> {
    if (closed) return { held: false, consumed: 0 }
    const leased = await lease()
    if (leased === null) {
      cursor = null
      return { held: false, consumed: 0 }
    }
    if (cursor !== leased) {
      // Newly held (or held by someone else in between): rebuild state from what came before.
      const before = await store.usageFeed.before(leased, options.warmupEvents)
      consumer.warm(before.map(usageEventOfRow))
      cursor = leased
    }
    let consumed = 0
    for (let batch = 0; batch < options.maxBatches; batch += 1) {
      const from = cursor
      const rows = await store.usageFeed.after(from, options.batchSize)
      const last = rows[rows.length - 1]
      if (last === undefined) break
      const events = rows.map(usageEventOfRow)
      try {
        await db.transaction().execute(async (trx) => {
          const moved = await trx
            .updateTable('monitor_lease')
            .set({ cursor: last.position, expires_at: now() + options.leaseMs, updated_at: now() })
            .where('name', '=', name)
            .where('holder', '=', holder)
            .where('cursor', '=', from)
            .executeTakeFirst()
          if (moved.numUpdatedRows !== 1n) throw new LeaseLost()
          await consumer.consume(events, trx)
        })
      } catch (error) {
        // The consumer saw events whose effects were rolled back: its state is ahead of the
        // cursor. Forget the cursor, so the next tick warms it afresh.
        cursor = null
        if (error instanceof LeaseLost) return { held: false, consumed }
        throw error
      }
      cursor = last.position
      consumed += events.length
      await consumer.committed()
      if (rows.length < options.batchSize) break
    }
    return { held: true, consumed }
  }

  const feed = {
    tick,
    /** Forgets the cursor: the next tick warms the consumer afresh (a new policy, say). */
    reset(): void {
      cursor = null
    },
    /** The position read up to, while this process holds the lease. */
    position: () => cursor,
    /** Ticks every `intervalMs`, one at a time, until `close`. */
    schedule(intervalMs: number, onError: (error: unknown) => void): void {
      if (timer !== null || closed) return
      timer = setInterval(() => {
        if (running !== null) return
        running = tick()
          .catch(onError)
          .finally(() => {
            running = null
          })
      }, intervalMs)
      timer.unref()
    },
    /** Stops ticking and hands the lease back, so another replica takes over at once. */
    async close(): Promise<void> {
      closed = true
      if (timer !== null) clearInterval(timer)
      timer = null
      await running
      if (cursor === null) return
      cursor = null
      await db
        .updateTable('monitor_lease')
        .set({ expires_at: 0 })
        .where('name', '=', name)
        .where('holder', '=', holder)
        .execute()
    },
  }
  return feed
}

/** A running usage feed. */
export type UsageFeed = ReturnType<typeof createUsageFeed>
