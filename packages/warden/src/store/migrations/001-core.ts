import { sql, type Kysely, type Migration } from 'kysely'

/** The hash the first audit entry chains to. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64)

/** Organizations, applications, keys, admin users and sessions, usage, the audit chain. */
export const coreMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('organization')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute()

    await db.schema
      .createTable('application')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('org_id', 'text', (c) => c.notNull().references('organization.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('application_org_name', ['org_id', 'name'])
      .execute()

    await db.schema
      .createTable('api_key')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('app_id', 'text', (c) => c.notNull().references('application.id'))
      .addColumn('org_id', 'text', (c) => c.notNull().references('organization.id'))
      .addColumn('name', 'text')
      .addColumn('prefix', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull().unique())
      .addColumn('allowed_models', 'text')
      .addColumn('expires_at', 'bigint')
      .addColumn('revoked_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema.createIndex('api_key_app').on('api_key').column('app_id').execute()

    await db.schema
      .createTable('admin_user')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('username', 'text', (c) => c.notNull().unique())
      .addColumn('password_hash', 'text')
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute()

    await db.schema
      .createTable('admin_session')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('admin_user.id'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute()

    // Written once per request, read in aggregate: no primary key to maintain (SQLite keeps a
    // rowid), and one index, for per-organization time ranges.
    await db.schema
      .createTable('usage_event')
      .addColumn('request_id', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('endpoint', 'text', (c) => c.notNull())
      .addColumn('key_id', 'text')
      .addColumn('app_id', 'text')
      .addColumn('org_id', 'text')
      .addColumn('model', 'text')
      .addColumn('stream', 'integer', (c) => c.notNull())
      .addColumn('prompt_tokens', 'integer', (c) => c.notNull())
      .addColumn('completion_tokens', 'integer', (c) => c.notNull())
      .addColumn('tokens_source', 'text', (c) => c.notNull())
      .addColumn('gateway_ms', 'double precision', (c) => c.notNull())
      .addColumn('upstream_ms', 'double precision', (c) => c.notNull())
      .addColumn('status', 'integer', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('error_code', 'text')
      .execute()
    await db.schema
      .createIndex('usage_event_org_at')
      .on('usage_event')
      .columns(['org_id', 'at'])
      .execute()

    await db.schema
      .createTable('audit_entry')
      .addColumn('seq', 'bigint', (c) => c.primaryKey())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('target', 'text')
      .addColumn('details', 'text', (c) => c.notNull())
      .addColumn('prev_hash', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .execute()

    await db.schema
      .createTable('audit_head')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .execute()
    await sql`insert into audit_head (id, seq, hash) values (1, 0, ${AUDIT_GENESIS_HASH})`.execute(
      db,
    )
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of [
      'audit_head',
      'audit_entry',
      'usage_event',
      'admin_session',
      'admin_user',
      'api_key',
      'application',
      'organization',
    ]) {
      await db.schema.dropTable(table).ifExists().execute()
    }
  },
}
