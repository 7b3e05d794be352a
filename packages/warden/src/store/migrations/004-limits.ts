import type { Kysely, Migration } from 'kysely'

const TABLES = ['organization', 'application', 'api_key'] as const

/**
 * Limits an operator sets on one organization, application or key: JSON (`{limits, models}`),
 * null for none. A column on each row rather than a table of its own, so the one query that
 * resolves a key reads them with the key.
 */
export const limitsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const table of TABLES) {
      await db.schema.alterTable(table).addColumn('limits', 'text').execute()
    }
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of TABLES) {
      await db.schema.alterTable(table).dropColumn('limits').execute()
    }
  },
}
