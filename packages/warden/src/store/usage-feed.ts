import { sql, type Kysely, type RawBuilder, type Selectable } from 'kysely'
import type { Database, UsageEventTable } from './schema.js'

/**
 * Where a dialect keeps a usage event's place in commit order, as SQL: a transaction number and
 * a sequence number, and the condition under which no transaction still running can add a row
 * before a position already read.
 */
export interface FeedSql {
  /** The row's transaction, as text. */
  readonly tx: RawBuilder<string>
  /** The row's sequence number. */
  readonly seq: RawBuilder<number>
  /** Rows after the position (tx, seq). */
  after(tx: string, seq: number): RawBuilder<boolean>
  /** Rows at or before the position (tx, seq). */
  atOrBefore(tx: string, seq: number): RawBuilder<boolean>
  /** Rows every reader will always see where they are now: committed, with no gap behind. */
  readonly settled: RawBuilder<boolean>
  /** The `order by` list of commit order, ascending or descending. */
  order(direction: 'asc' | 'desc'): RawBuilder<unknown>
}

/** SQLite: one writer at a time, so rowids commit in order; the transaction is always 0. */
export const sqliteFeedSql: FeedSql = {
  tx: sql<string>`'0'`,
  seq: sql<number>`rowid`,
  after: (_tx, seq) => sql<boolean>`rowid > ${seq}`,
  atOrBefore: (_tx, seq) => sql<boolean>`rowid <= ${seq}`,
  settled: sql<boolean>`1 = 1`,
  order: (direction) => sql`rowid ${sql.raw(direction)}`,
}

/**
 * PostgreSQL: a sequence number is taken before its transaction commits, so numbers commit out
 * of order; the writing transaction's id (`pg_current_xact_id()`, a column default) orders rows
 * by transaction, and only transactions older than the oldest one still running (the snapshot's
 * xmin) are read: none of those can commit a row later.
 */
export const postgresFeedSql: FeedSql = {
  tx: sql<string>`feed_tx::text`,
  seq: sql<number>`feed_seq`,
  after: (tx, seq) => sql<boolean>`(feed_tx, feed_seq) > (cast(${tx} as xid8), ${seq})`,
  atOrBefore: (tx, seq) => sql<boolean>`(feed_tx, feed_seq) <= (cast(${tx} as xid8), ${seq})`,
  settled: sql<boolean>`feed_tx < pg_snapshot_xmin(pg_current_snapshot())`,
  order: (direction) => sql`feed_tx ${sql.raw(direction)}, feed_seq ${sql.raw(direction)}`,
}

/** A usage event row with its place in the feed. */
export type FeedRow = Selectable<UsageEventTable> & { readonly position: string }

/** The start of the feed: before every row. */
export const FEED_START = '0:0'

function parsePosition(position: string): { tx: string; seq: number } {
  const [tx = '0', seq = '0'] = position.split(':')
  if (!/^\d+$/.test(tx) || !/^\d+$/.test(seq)) throw new Error(`not a feed position: ${position}`)
  return { tx, seq: Number(seq) }
}

/** Reads `usage_event` in commit order, by position. */
export interface UsageFeedReader {
  /** Up to `limit` settled rows after `position`, in order. */
  after(position: string, limit: number): Promise<FeedRow[]>
  /** Up to `limit` rows at or before `position`, in order: the newest ones. */
  before(position: string, limit: number): Promise<FeedRow[]>
  /** The position of the newest settled row, or the start when there is none. */
  head(): Promise<string>
}

/** The feed reader over `db` with the dialect's SQL. */
export function createUsageFeedReader(db: Kysely<Database>, feed: FeedSql): UsageFeedReader {
  const rows = async (
    where: RawBuilder<boolean>,
    order: 'asc' | 'desc',
    limit: number,
  ): Promise<FeedRow[]> => {
    const found = await sql<Record<string, unknown>>`
      select *, ${feed.tx} as feed_position_tx, ${feed.seq} as feed_position_seq
      from usage_event
      where ${where} and ${feed.settled}
      order by ${feed.order(order)}
      limit ${limit}`.execute(db)
    // The driver's row objects are ours: each gets its position in place. Copying a row without
    // its feed_* columns cost more than the detectors that read it; nothing lists a row's keys.
    return found.rows.map((record) => {
      const row = record
      row.position = `${String(row.feed_position_tx)}:${String(row.feed_position_seq)}`
      return row as unknown as FeedRow
    })
  }
  return {
    after(position, limit) {
      const { tx, seq } = parsePosition(position)
      return rows(feed.after(tx, seq), 'asc', limit)
    },
    async before(position, limit) {
      const { tx, seq } = parsePosition(position)
      return (await rows(feed.atOrBefore(tx, seq), 'desc', limit)).reverse()
    },
    async head() {
      const newest = await rows(sql<boolean>`1 = 1`, 'desc', 1)
      return newest[0]?.position ?? FEED_START
    },
  }
}
