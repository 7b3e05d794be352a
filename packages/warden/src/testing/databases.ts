import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** One database a test suite runs against, created fresh and dropped after. */
export interface TestDatabase {
  /** `postgres://…` or empty (SQLite at `sqlitePath`). */
  readonly url: string
  readonly sqlitePath: string
  drop(): Promise<void>
}

/** A database kind a contract suite runs on: SQLite always, PostgreSQL when its URL is given. */
export interface TestDatabaseKind {
  readonly name: 'sqlite' | 'postgres'
  create(): Promise<TestDatabase>
}

/** A fresh SQLite file in a temporary folder. */
export function sqliteKind(): TestDatabaseKind {
  return {
    name: 'sqlite',
    create() {
      const dir = mkdtempSync(join(tmpdir(), 'warden-test-'))
      return Promise.resolve({
        url: '',
        sqlitePath: join(dir, 'warden.db'),
        drop: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
      })
    },
  }
}

/** A fresh schema in the PostgreSQL database at `baseUrl`, selected through `search_path`. */
export function postgresKind(baseUrl: string): TestDatabaseKind {
  return {
    name: 'postgres',
    async create() {
      const { default: pg } = await import('pg')
      const schema = `warden_test_${randomBytes(6).toString('hex')}`
      const admin = new pg.Client({ connectionString: baseUrl })
      await admin.connect()
      await admin.query(`create schema ${schema}`)
      await admin.end()
      const url = new URL(baseUrl)
      url.searchParams.set('options', `-c search_path=${schema}`)
      return {
        url: url.toString(),
        sqlitePath: '',
        async drop() {
          const client = new pg.Client({ connectionString: baseUrl })
          await client.connect()
          await client.query(`drop schema if exists ${schema} cascade`)
          await client.end()
        },
      }
    },
  }
}

/** The database kinds to run contract suites on, given the test environment. */
export function testDatabaseKinds(postgresUrl: string | undefined): TestDatabaseKind[] {
  return postgresUrl ? [sqliteKind(), postgresKind(postgresUrl)] : [sqliteKind()]
}
