import { existsSync, mkdirSync, watch, writeFileSync, type FSWatcher } from 'node:fs'
import type { Database as BetterSqlite3Database } from 'better-sqlite3'
import { dirname } from 'node:path'
import { SqliteDialect, type Dialect, type DialectAdapter } from 'kysely'
import type { ChangeFeed } from './change-feed.js'
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

/**
 * Change feed for one SQLite file shared by processes on one machine (the server and the
 * `warden` CLI): a writer of access data touches a sidecar file, and every process watches it
 * (inotify), so nothing is read per request. Where the file cannot be watched (an in-memory
 * database, a file system without notifications) it falls back to `PRAGMA data_version`,
 * which moves when another connection commits, read on every look.
 */
function openSqliteChangeFeed(path: string, database: BetterSqlite3Database): ChangeFeed {
  let version = 0
  const signalFile = `${path}-access`
  let watcher: FSWatcher | null = null
  if (path !== ':memory:') {
    try {
      if (!existsSync(signalFile)) writeFileSync(signalFile, '')
      watcher = watch(signalFile, { persistent: false }, () => {
        version += 1
      })
      watcher.on('error', () => {
        watcher = null
        version += 1
      })
    } catch {
      watcher = null
    }
  }
  const dataVersion = database.prepare('PRAGMA data_version').pluck()
  return {
    version: () => (watcher ? version : (dataVersion.get() as number) + version * 2 ** 32),
    announce: () => {
      version += 1
      try {
        writeFileSync(signalFile, String(Date.now()))
      } catch {
        // The other processes still see data_version move on their fallback path.
      }
      return Promise.resolve()
    },
    close: () => {
      watcher?.close()
      return Promise.resolve()
    },
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
    openChangeFeed: () => Promise.resolve(openSqliteChangeFeed(path, database)),
    isUniqueViolation: (error) => (error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE',
    isRetryableMigrationError: (error) =>
      /^SQLITE_BUSY/.test(String((error as { code?: unknown }).code)),
  }
}
