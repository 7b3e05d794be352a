import type { Dialect } from 'kysely'
import type { ChangeFeed } from './change-feed.js'
import type { FeedSql } from './usage-feed.js'

/** An opened dialect: the Kysely dialect plus what differs about it, as data. */
export interface OpenedDialect {
  readonly name: 'sqlite' | 'postgres'
  readonly kysely: Dialect
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
  /** Where a usage event's place in commit order is kept, for the monitoring feed. */
  readonly feed: FeedSql
  /** A migration that lost a race with another process and may simply be run again. */
  readonly isRetryableMigrationError: (error: unknown) => boolean
}
