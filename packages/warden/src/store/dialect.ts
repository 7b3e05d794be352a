import type { Dialect } from 'kysely'
import type { ChangeFeed } from './change-feed.js'

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
  /** The SQL text of the i-th (0-based) bound parameter: `?` or `$1`. */
  readonly placeholder: (index: number) => string
  /** The schema Warden's tables live in, where the dialect has schemas. */
  readonly migrationSchema: () => Promise<string | undefined>
  /** The driver's error for a duplicate value in a unique column. */
  readonly isUniqueViolation: (error: unknown) => boolean
  /** Opens the feed of access-data changes made by any process. */
  readonly openChangeFeed: () => Promise<ChangeFeed>
  /** A migration that lost a race with another process and may simply be run again. */
  readonly isRetryableMigrationError: (error: unknown) => boolean
}
