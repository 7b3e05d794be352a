import { CompiledQuery, Kysely, Migrator, type Insertable, type MigrationProvider } from 'kysely'
import type { ChangeFeed } from './change-feed.js'
import { migrations } from './migrations/index.js'
import { openPostgresDialect } from './postgres-dialect.js'
import type { Database } from './schema.js'
import { createUsageFeedReader, type UsageFeedReader } from './usage-feed.js'
import { openSqliteDialect } from './sqlite-dialect.js'

export interface StoreOptions {
  /** `postgres://…`, or empty for SQLite at `sqlitePath`. */
  readonly url: string
  readonly sqlitePath: string
  readonly poolSize: number
}

/** The database handle and what its dialect can do. */
export interface Store {
  readonly db: Kysely<Database>
  readonly dialect: 'sqlite' | 'postgres'
  readonly description: string
  /** Changes to access data made by any process sharing this database. */
  readonly changes: ChangeFeed
  /** `usage_event` in commit order, for monitoring's one consumer at a time. */
  readonly usageFeed: UsageFeedReader
  /**
   * Inserts many rows in one statement. For the write-heavy tables (usage): Kysely's query
   * builder would build and compile a tree of thousands of nodes per batch, which costs more
   * CPU and memory than the insert itself.
   */
  insertRows<T extends keyof Database>(
    table: T,
    rows: ReadonlyArray<Insertable<Database[T]>>,
  ): Promise<void>
  /** True when `error` is the driver's duplicate-key error, on any dialect. */
  readonly isUniqueViolation: (error: unknown) => boolean
  /** Brings the schema up to date; safe to call from several processes. */
  migrate(): Promise<readonly string[]>
  close(): Promise<void>
}

/** A quoted identifier; Warden's own names are plain snake_case, checked all the same. */
function quote(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain identifier: ${name}`)
  return `"${name}"`
}

const provider: MigrationProvider = { getMigrations: () => Promise.resolve({ ...migrations }) }

/** Opens the configured database. The driver for PostgreSQL loads only when its URL is set. */
export async function openStore(options: StoreOptions): Promise<Store> {
  const opened = /^postgres(ql)?:\/\//.test(options.url)
    ? await openPostgresDialect(options.url, options.poolSize)
    : await openSqliteDialect(options.url.replace(/^sqlite:/, '') || options.sqlitePath)
  const db = new Kysely<Database>({ dialect: opened.kysely })
  const changes = await opened.openChangeFeed()
  return {
    db,
    dialect: opened.name,
    description: opened.description,
    isUniqueViolation: opened.isUniqueViolation,
    usageFeed: createUsageFeedReader(db, opened.feed),
    async insertRows(table, rows) {
      const first = rows[0]
      if (first === undefined) return
      const columns = Object.keys(first)
      const params: unknown[] = []
      const tuples = rows.map((row) => {
        const values = row as Record<string, unknown>
        const marks = columns.map((column) => {
          params.push(values[column] ?? null)
          return opened.placeholder(params.length - 1)
        })
        return `(${marks.join(',')})`
      })
      const text = `insert into ${quote(table)} (${columns.map(quote).join(',')}) values ${tuples.join(',')}`
      await db.executeQuery(CompiledQuery.raw(text, params))
    },
    async migrate() {
      const migrationTableSchema = await opened.migrationSchema()
      const migrator = new Migrator({
        db,
        provider,
        ...(migrationTableSchema ? { migrationTableSchema } : {}),
      })
      let outcome = await migrator.migrateToLatest()
      // Another process migrated the same SQLite file at the same moment: our transaction
      // rolled back, and running again finds its work done.
      for (
        let attempt = 0;
        attempt < 5 &&
        outcome.error !== undefined &&
        opened.isRetryableMigrationError(outcome.error);
        attempt += 1
      ) {
        await new Promise((resolve) => setTimeout(resolve, 50 * (attempt + 1)))
        outcome = await migrator.migrateToLatest()
      }
      const { error, results } = outcome
      if (error !== undefined) {
        throw new Error(
          `migration failed: ${error instanceof Error ? error.message : 'unknown error'}`,
          {
            cause: error,
          },
        )
      }
      return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
    },
    changes,
    async close() {
      await changes.close()
      await db.destroy()
    },
  }
}
