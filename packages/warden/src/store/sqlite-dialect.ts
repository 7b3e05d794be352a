import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { SqliteDialect, type Dialect, type DialectAdapter } from 'kysely'
import type { OpenedDialect } from './dialect.js'

/**
 * SQLite runs DDL inside transactions, but Kysely's adapter says it does not, so two processes
 * migrating one file at once could both create a table. Saying it does makes each migration
 * run all-or-nothing; the loser of a race rolls back and retries (see `store.migrate`).
 */
function withTransactionalDdl(adapter: DialectAdapter): DialectAdapter {
  return {
    supportsCreateIfNotExists: adapter.supportsCreateIfNotExists,
    supportsTransactionalDdl: true,
    supportsReturning: adapter.supportsReturning,
    acquireMigrationLock: (db, options) => adapter.acquireMigrationLock(db, options),
    releaseMigrationLock: (db, options) => adapter.releaseMigrationLock(db, options),
  }
}

/** Opens the embedded SQLite file (WAL, foreign keys, a busy timeout for other processes). */
export async function openSqliteDialect(path: string): Promise<OpenedDialect> {
  const { default: BetterSqlite3 } = await import('better-sqlite3')
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const database = new BetterSqlite3(path)
  database.pragma('journal_mode = WAL')
  database.pragma('synchronous = NORMAL')
  database.pragma('foreign_keys = ON')
  database.pragma('busy_timeout = 5000')
  const base = new SqliteDialect({ database })
  const kysely: Dialect = {
    createDriver: () => base.createDriver(),
    createQueryCompiler: () => base.createQueryCompiler(),
    createIntrospector: (db) => base.createIntrospector(db),
    createAdapter: () => withTransactionalDdl(base.createAdapter()),
  }
  return {
    name: 'sqlite',
    kysely,
    capabilities: { rowLocks: false, sharedByReplicas: false },
    description: `sqlite:${path}`,
    placeholder: () => '?',
    migrationSchema: () => Promise.resolve(undefined),
    // SQLite's data_version moves when another connection (the CLI, say) commits to the file.
    openChangeFeed: () => {
      let local = 0
      // Prepared once: pragma() would compile the statement on every request.
      const dataVersion = database.prepare('PRAGMA data_version').pluck()
      return Promise.resolve({
        version: () => (dataVersion.get() as number) + local * 2 ** 32,
        announce: () => {
          local += 1
          return Promise.resolve()
        },
        close: () => Promise.resolve(),
      })
    },
    isUniqueViolation: (error) => (error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE',
    isRetryableMigrationError: (error) =>
      /^SQLITE_BUSY/.test(String((error as { code?: unknown }).code)),
  }
}
