import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely'

/** The columns monitoring's detectors read from each usage event; never a text, only about it. */
const SIGNAL_COLUMNS = [
  'client_source',
  'user_agent',
  'tier',
  'sandbox',
  'content_action',
  'injection',
  'prompt_signature',
  'completion_signature',
] as const

/** Whether the migration runs on PostgreSQL: the feed's position differs there (see below). */
function onPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter
}

/**
 * What monitoring observes of each request (the client's folded address and user agent, the
 * application's tier, what the content filter did, SimHashes of the prompt and the answer), and
 * a position to consume `usage_event` by, in commit order, from any number of replicas.
 *
 * On SQLite the position is the rowid: writes are serialized, so rowids commit in order. On
 * PostgreSQL a sequence alone is not enough (a transaction that took a lower number can commit
 * after one that took a higher), so each row also carries the id of the transaction that wrote
 * it: rows are read in (transaction, sequence) order and only from transactions older than every
 * one still running, which can never gain a row behind the reader. See docs/decisions.md.
 */
export const usageSignalsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('usage_event').addColumn('client_source', 'text').execute()
    await db.schema.alterTable('usage_event').addColumn('user_agent', 'text').execute()
    await db.schema.alterTable('usage_event').addColumn('tier', 'text').execute()
    await db.schema
      .alterTable('usage_event')
      .addColumn('sandbox', 'integer', (c) => c.notNull().defaultTo(0))
      .execute()
    await db.schema
      .alterTable('usage_event')
      .addColumn('content_action', 'text', (c) => c.notNull().defaultTo('none'))
      .execute()
    await db.schema
      .alterTable('usage_event')
      .addColumn('injection', 'integer', (c) => c.notNull().defaultTo(0))
      .execute()
    await db.schema.alterTable('usage_event').addColumn('prompt_signature', 'text').execute()
    await db.schema.alterTable('usage_event').addColumn('completion_signature', 'text').execute()
    if (onPostgres(db)) {
      await sql`alter table usage_event add column feed_tx xid8 not null default pg_current_xact_id()`.execute(
        db,
      )
      await sql`alter table usage_event add column feed_seq bigserial`.execute(db)
      await sql`create index usage_event_feed on usage_event (feed_tx, feed_seq)`.execute(db)
    }

    // A suspension is reversible (unlike a revocation): monitoring sets it, an admin lifts it.
    await db.schema.alterTable('api_key').addColumn('suspended_at', 'bigint').execute()

    // Deliveries to the operator's own channels (incident notifications), beside organizations'.
    await db.schema.alterTable('webhook_delivery').addColumn('channel', 'text').execute()

    // One row per background consumer: who holds it, until when, and how far it has read.
    await db.schema
      .createTable('monitor_lease')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('holder', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('cursor', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute()
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('monitor_lease').ifExists().execute()
    await db.schema.alterTable('webhook_delivery').dropColumn('channel').execute()
    await db.schema.alterTable('api_key').dropColumn('suspended_at').execute()
    if (onPostgres(db)) {
      await sql`drop index if exists usage_event_feed`.execute(db)
      await sql`alter table usage_event drop column feed_seq`.execute(db)
      await sql`alter table usage_event drop column feed_tx`.execute(db)
    }
    for (const column of SIGNAL_COLUMNS) {
      await db.schema.alterTable('usage_event').dropColumn(column).execute()
    }
  },
}
