import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { SqliteDialect } from 'kysely'
import type { OpenedDialect } from './dialect.js'

/** Opens the embedded SQLite file (WAL, foreign keys, a busy timeout for other processes). */
export async function openSqliteDialect(path: string): Promise<OpenedDialect> {
  const { default: BetterSqlite3 } = await import('better-sqlite3')
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const database = new BetterSqlite3(path)
  database.pragma('journal_mode = WAL')
  database.pragma('synchronous = NORMAL')
  database.pragma('foreign_keys = ON')
  database.pragma('busy_timeout = 5000')
  return {
    name: 'sqlite',
    kysely: new SqliteDialect({ database }),
    capabilities: { rowLocks: false, sharedByReplicas: false },
    description: `sqlite:${path}`,
  }
}
