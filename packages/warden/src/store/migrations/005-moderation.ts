import type { Kysely, Migration } from 'kysely'

/**
 * What the content filter found, one row per finding: never the text, only where it lay, what
 * it was and what was done. Written in batches, read by organization and time (reports, review).
 */
export const moderationMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('content_finding')
      .addColumn('request_id', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('endpoint', 'text', (c) => c.notNull())
      .addColumn('key_id', 'text')
      .addColumn('app_id', 'text')
      .addColumn('org_id', 'text')
      .addColumn('direction', 'text', (c) => c.notNull())
      .addColumn('category', 'text', (c) => c.notNull())
      .addColumn('label', 'text')
      .addColumn('score', 'double precision', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('clause', 'text')
      .addColumn('classifier', 'text', (c) => c.notNull())
      .addColumn('text_index', 'integer')
      .addColumn('span_start', 'integer')
      .addColumn('span_end', 'integer')
      .execute()
    await db.schema
      .createIndex('content_finding_org_at')
      .on('content_finding')
      .columns(['org_id', 'at'])
      .execute()
    await db.schema
      .createIndex('content_finding_request')
      .on('content_finding')
      .column('request_id')
      .execute()
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('content_finding').ifExists().execute()
  },
}
