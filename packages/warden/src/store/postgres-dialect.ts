import { PostgresDialect } from 'kysely'
import type { Pool } from 'pg'
import type { ChangeFeed } from './change-feed.js'
import type { OpenedDialect } from './dialect.js'
import { postgresFeedSql } from './usage-feed.js'

const CHANNEL = 'warden_access_changed'

/**
 * LISTEN/NOTIFY between replicas. While the listening connection is down the version changes
 * on every look, so nothing is served from a cache that might be stale.
 */
async function openPostgresChangeFeed(pool: Pool, url: string): Promise<ChangeFeed> {
  const { default: pg } = await import('pg')
  let version = 0
  let listening = false
  let closed = false
  let client: InstanceType<typeof pg.Client> | null = null

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url })
    next.on('notification', () => {
      version += 1
    })
    next.on('error', () => undefined)
    await next.connect()
    await next.query(`listen ${CHANNEL}`)
    next.once('end', () => {
      listening = false
      retry()
    })
    client = next
    listening = true
    version += 1
  }
  const retry = (): void => {
    if (closed) return
    setTimeout(() => {
      if (!closed) connect().catch(retry)
    }, 1_000).unref()
  }
  await connect().catch(retry)
  return {
    version: () => (listening ? version : (version += 1)),
    async announce() {
      version += 1
      await pool.query(`select pg_notify('${CHANNEL}', '')`)
    },
    async close() {
      closed = true
      await client?.end().catch(() => undefined)
    },
  }
}

const INT8_OID = 20

/** Opens a PostgreSQL pool; `pg` is loaded only here, when a URL is configured. */
export async function openPostgresDialect(url: string, poolSize: number): Promise<OpenedDialect> {
  const { default: pg } = await import('pg')
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    // Times and counters are bigint columns that always fit a JS number.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown =>
        oid === INT8_OID
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  })
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it on the next checkout.
  })
  return {
    name: 'postgres',
    // Kysely looks for its migration tables in every schema unless told which one is ours.
    migrationSchema: async () => {
      const result = await pool.query<{ schema: string }>('select current_schema() as schema')
      return result.rows[0]?.schema
    },
    placeholder: (index) => `$${index + 1}`,
    feed: postgresFeedSql,
    openChangeFeed: () => openPostgresChangeFeed(pool, url),
    isUniqueViolation: (error) => (error as { code?: unknown }).code === '23505',
    // Kysely's PostgreSQL adapter takes an advisory lock, so concurrent migrations wait instead.
    isRetryableMigrationError: () => false,
    kysely: new PostgresDialect({ pool }),
    description: redactUrl(url),
  }
}

/** A PostgreSQL URL without its password, for logs and messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '***'
    return parsed.toString()
  } catch {
    return 'postgres://(unparseable url)'
  }
}
