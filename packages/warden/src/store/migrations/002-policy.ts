import type { Kysely, Migration } from 'kysely'

/** Published usage-policy versions, organizations' acceptances, applications' tier and status. */
export const policyMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('policy_version')
      .addColumn('version', 'integer', (c) => c.primaryKey())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('published_at', 'bigint', (c) => c.notNull())
      .addColumn('published_by', 'text', (c) => c.notNull())
      .addColumn('requires_reacceptance', 'integer', (c) => c.notNull())
      .addColumn('grace_days', 'integer', (c) => c.notNull())
      .addColumn('changelog', 'text')
      .execute()

    await db.schema
      .createTable('policy_acceptance')
      .addColumn('org_id', 'text', (c) => c.notNull().references('organization.id'))
      .addColumn('version', 'integer', (c) => c.notNull().references('policy_version.version'))
      .addColumn('accepted_at', 'bigint', (c) => c.notNull())
      .addColumn('accepted_by', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('policy_acceptance_pk', ['org_id', 'version'])
      .execute()

    await db.schema.alterTable('usage_event').addColumn('clause', 'text').execute()

    // Null: the default tier of the current policy.
    await db.schema.alterTable('application').addColumn('tier', 'text').execute()
    await db.schema
      .alterTable('application')
      .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
      .execute()
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('usage_event').dropColumn('clause').execute()
    await db.schema.alterTable('application').dropColumn('status').execute()
    await db.schema.alterTable('application').dropColumn('tier').execute()
    await db.schema.dropTable('policy_acceptance').ifExists().execute()
    await db.schema.dropTable('policy_version').ifExists().execute()
  },
}
