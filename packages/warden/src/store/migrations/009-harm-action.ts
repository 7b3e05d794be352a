import { sql, type Kysely, type Migration } from 'kysely'

/**
 * The strongest content-filter action on a finding of harm, apart from the strongest on any
 * finding (`content_action`): personal data and credentials are routine for some applications,
 * and monitoring's filter-probing detector must not read them as probing. Rows written before
 * it take their `content_action`, the closest reading there is of them.
 */
export const harmActionMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable('usage_event')
      .addColumn('harm_action', 'text', (c) => c.notNull().defaultTo('none'))
      .execute()
    await sql`update usage_event set harm_action = content_action where content_action <> 'none'`.execute(
      db,
    )
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('usage_event').dropColumn('harm_action').execute()
  },
}
