import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A database made for one run and dropped after it: `warden simulate` runs on one. */
export interface ScratchDatabase {
  /** `postgres://…` with the run's own schema selected, or '' for SQLite at `sqlitePath`. */
  readonly url: string
  /** The SQLite file, in a temporary folder that also holds the audit key and checkpoints. */
  readonly sqlitePath: string
  /** What it is, for a person: the SQLite file, or the PostgreSQL schema. */
  readonly description: string
  /** Drops the schema (PostgreSQL) and removes the temporary folder. */
  drop(): Promise<void>
}

/**
 * A fresh SQLite file in a temporary folder, or, given a PostgreSQL URL, a fresh schema in that
 * database selected through `search_path` (nothing else in the database is touched).
 */
export async function openScratchDatabase(postgresUrl?: string): Promise<ScratchDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-scratch-'))
  const sqlitePath = join(dir, 'warden.db')
  const removeDir = () => rmSync(dir, { recursive: true, force: true })
  if (postgresUrl === undefined || postgresUrl === '') {
    return {
      url: '',
      sqlitePath,
      description: sqlitePath,
      drop: () => Promise.resolve(removeDir()),
    }
  }
  const { default: pg } = await import('pg')
  const schema = `warden_scratch_${randomBytes(6).toString('hex')}`
  const run = async (statement: string) => {
    const client = new pg.Client({ connectionString: postgresUrl })
    await client.connect()
    try {
      await client.query(statement)
    } finally {
      await client.end()
    }
  }
  try {
    await run(`create schema ${schema}`)
  } catch (error) {
    removeDir()
    throw error
  }
  const url = new URL(postgresUrl)
  url.searchParams.set('options', `-c search_path=${schema}`)
  return {
    url: url.toString(),
    sqlitePath,
    description: `PostgreSQL schema ${schema}`,
    async drop() {
      try {
        await run(`drop schema if exists ${schema} cascade`)
      } finally {
        removeDir()
      }
    },
  }
}
