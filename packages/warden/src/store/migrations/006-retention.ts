import type { Kysely, Migration } from 'kysely'

/**
 * The texts the usage policy's `retention` keeps: a flagged request's texts for review (secrets
 * and card numbers replaced by placeholders), or only the SHA-256 of an unflagged request's texts
 * when the policy says `unflagged_content: hash`. One row per text; the purge deletes rows past
 * `expires_at`, or past the current policy's days counted from `at`, whichever comes first.
 */
export const retentionMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('content_text')
      .addColumn('request_id', 'text', (c) => c.notNull())
      .addColumn('direction', 'text', (c) => c.notNull())
      .addColumn('text_index', 'integer', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('endpoint', 'text', (c) => c.notNull())
      .addColumn('key_id', 'text')
      .addColumn('app_id', 'text')
      .addColumn('org_id', 'text')
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('text', 'text')
      .addColumn('redacted', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('content_text_pk', ['request_id', 'direction', 'text_index'])
      .execute()
    // The purge's two ways of finding what is due, each a range on one index.
    await db.schema
      .createIndex('content_text_kind_expires')
      .on('content_text')
      .columns(['kind', 'expires_at'])
      .execute()
    await db.schema
      .createIndex('content_text_kind_at')
      .on('content_text')
      .columns(['kind', 'at'])
      .execute()
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('content_text').ifExists().execute()
  },
}
