import type { Dialect } from 'kysely'

/** What differs between databases, as data: the rest of Warden reads these, never the name. */
export interface DialectCapabilities {
  /** `SELECT … FOR UPDATE` locks a row inside a transaction. */
  readonly rowLocks: boolean
  /** Several processes may write at once (PostgreSQL), rather than one file's lock (SQLite). */
  readonly sharedByReplicas: boolean
}

/** An opened dialect: the Kysely dialect plus what it can do. */
export interface OpenedDialect {
  readonly name: 'sqlite' | 'postgres'
  readonly kysely: Dialect
  readonly capabilities: DialectCapabilities
  /** A redacted description for logs (no passwords). */
  readonly description: string
}
