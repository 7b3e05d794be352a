import { existsSync, mkdirSync, watch, writeFileSync, type FSWatcher } from 'node:fs'
import type { Database as BetterSqlite3Database } from 'better-sqlite3'
import { dirname } from 'node:path'
import {
  SqliteDialect,
  type Dialect,
  type DialectAdapter,
  type SqliteDatabase,
  type SqliteStatement,
} from 'kysely'
import type { ChangeFeed } from './change-feed.js'
import type { OpenedDialect } from './dialect.js'
import { sqliteFeedSql } from './usage-feed.js'

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
 * `warden` CLI). A writer of access data touches a sidecar file that every process watches
 * (inotify), so nothing is read per request. Two safety nets: a replaced or deleted sidecar is
 * watched anew, and `PRAGMA data_version` (which moves when another connection commits) is
 * polled every 250 ms, so a file system whose notifications never arrive delays a revocation
 * by at most that much. Where no watch can be set at all, data_version is read on every look.
 */
function openSqliteChangeFeed(path: string, database: BetterSqlite3Database): ChangeFeed {
  let version = 0
  let closed = false
  const signalFile = `${path}-access`
  const dataVersion = database.prepare('PRAGMA data_version').pluck()
  let lastDataVersion = dataVersion.get() as number
  let watcher: FSWatcher | null = null

  const arm = (): void => {
    watcher?.close()
    watcher = null
    if (closed || path === ':memory:') return
    try {
      if (!existsSync(signalFile)) writeFileSync(signalFile, '')
      const current = watch(signalFile, { persistent: false }, (event) => {
        version += 1
        // The file was replaced or removed: the watch is on the old inode now.
        if (event === 'rename') setImmediate(arm)
      })
      current.on('error', () => {
        version += 1
        setImmediate(arm)
      })
      watcher = current
    } catch {
      watcher = null
    }
  }
  arm()

  const poll = setInterval(() => {
    const now = dataVersion.get() as number
    if (now !== lastDataVersion) {
      lastDataVersion = now
      version += 1
    }
    if (!watcher) arm()
  }, 250)
  poll.unref()

  return {
    version: () => (watcher ? version : (dataVersion.get() as number) + version * 2 ** 32),
    announce: () => {
      version += 1
      try {
        writeFileSync(signalFile, String(Date.now()))
      } catch {
        // Other processes still see data_version move within a poll.
      }
      return Promise.resolve()
    },
    close: () => {
      closed = true
      clearInterval(poll)
      watcher?.close()
      return Promise.resolve()
    },
  }
}

/** Prepared statements kept per SQL text; the oldest goes first once this many are held. */
const STATEMENT_CACHE_SIZE = 200

/**
 * The database as Kysely sees it, with its prepared statements kept for reuse. Kysely prepares
 * every query afresh, and preparing the usage batch's insert (a hundred rows of placeholders)
 * cost more CPU than inserting its rows (measured: about 4 µs of a request's CPU under load).
 * SQLite re-prepares a kept statement by itself if the schema changes under it, and Kysely's
 * one connection runs one statement at a time, so a kept statement is never busy when reused.
 */
function withStatementCache(database: BetterSqlite3Database): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>()
  return {
    close: () => database.close(),
    prepare(sql) {
      let statement = statements.get(sql)
      if (statement === undefined) {
        statement = database.prepare(sql)
        if (statements.size >= STATEMENT_CACHE_SIZE) {
          const oldest = statements.keys().next().value
          if (oldest !== undefined) statements.delete(oldest)
        }
        statements.set(sql, statement)
      }
      return statement
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
  const base = new SqliteDialect({ database: withStatementCache(database) })
  const kysely: Dialect = {
    createDriver: () => base.createDriver(),
    createQueryCompiler: () => base.createQueryCompiler(),
    createIntrospector: (db) => base.createIntrospector(db),
    createAdapter: () => withTransactionalDdl(base.createAdapter()),
  }
  return {
    name: 'sqlite',
    kysely,
    description: `sqlite:${path}`,
    placeholder: () => '?',
    feed: sqliteFeedSql,
    migrationSchema: () => Promise.resolve(undefined),
    // SQLite's data_version moves when another connection (the CLI, say) commits to the file.
    openChangeFeed: () => Promise.resolve(openSqliteChangeFeed(path, database)),
    isUniqueViolation: (error) => (error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE',
    isRetryableMigrationError: (error) =>
      /^SQLITE_BUSY/.test(String((error as { code?: unknown }).code)),
  }
}
