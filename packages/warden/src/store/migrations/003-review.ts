import type { Kysely, Migration } from 'kysely'

/** Organization members, use-case applications and their review history. */
export const reviewMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    // Staff (admin, reviewer) have none; organization members (owner, developer) have theirs.
    await db.schema
      .alterTable('admin_user')
      .addColumn('org_id', 'text', (c) => c.references('organization.id'))
      .execute()

    await db.schema
      .createTable('use_case_application')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('org_id', 'text', (c) => c.notNull().references('organization.id'))
      .addColumn('app_id', 'text', (c) => c.notNull().references('application.id'))
      .addColumn('state', 'text', (c) => c.notNull())
      /** Bumped by every transition: a write names the revision it read, so one racer wins. */
      .addColumn('revision', 'integer', (c) => c.notNull())
      /** The form, snake_case JSON as the portal sends it. */
      .addColumn('form', 'text', (c) => c.notNull())
      /** The latest pre-screen result, JSON. */
      .addColumn('prescreen', 'text')
      .addColumn('tier', 'text')
      .addColumn('conditions', 'text')
      .addColumn('appealed', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute()
    await db.schema
      .createIndex('use_case_application_org')
      .on('use_case_application')
      .columns(['org_id', 'created_at'])
      .execute()
    await db.schema
      .createIndex('use_case_application_state')
      .on('use_case_application')
      .columns(['state', 'updated_at'])
      .execute()

    await db.schema
      .createTable('application_event')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('application_id', 'text', (c) => c.notNull().references('use_case_application.id'))
      /** The application's revision this transition made: the order of its history. */
      .addColumn('revision', 'integer', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('from_state', 'text', (c) => c.notNull())
      .addColumn('to_state', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      /** JSON array of the clause ids the decision cites. */
      .addColumn('clauses', 'text', (c) => c.notNull())
      .execute()
    await db.schema
      .createIndex('application_event_application')
      .on('application_event')
      .columns(['application_id', 'revision'])
      .execute()

    await db.schema
      .createTable('webhook_endpoint')
      .addColumn('org_id', 'text', (c) => c.primaryKey().references('organization.id'))
      .addColumn('url', 'text', (c) => c.notNull())
      /** The signing secret, `whsec_…` as the Standard Webhooks specification writes it. */
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute()

    // The outbox: a row is written in the same transaction as what it reports, so a crash
    // cannot lose it; any replica delivers it, claiming it first.
    await db.schema
      .createTable('webhook_delivery')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('org_id', 'text', (c) => c.notNull())
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
      .addColumn('locked_until', 'bigint', (c) => c.notNull())
      .addColumn('delivered_at', 'bigint')
      .addColumn('failed_at', 'bigint')
      .addColumn('last_error', 'text')
      .execute()
    await db.schema
      .createIndex('webhook_delivery_due')
      .on('webhook_delivery')
      .columns(['delivered_at', 'failed_at', 'next_attempt_at'])
      .execute()
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('webhook_delivery').ifExists().execute()
    await db.schema.dropTable('webhook_endpoint').ifExists().execute()
    await db.schema.dropTable('application_event').ifExists().execute()
    await db.schema.dropTable('use_case_application').ifExists().execute()
    await db.schema.alterTable('admin_user').dropColumn('org_id').execute()
  },
}
