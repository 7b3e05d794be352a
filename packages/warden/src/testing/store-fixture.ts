import { WardenError } from '../domain/index.js'
import { createAuditLog, type AuditLog, type CheckpointIndex } from '../monitoring/index.js'
import { openStore, type Database, type Store } from '../store/index.js'
import type { TestDatabase, TestDatabaseKind } from './databases.js'

// A record, not a list, so that a table added to the schema without being added here fails to compile.
const TABLES: Record<keyof Database, true> = {
  organization: true,
  application: true,
  api_key: true,
  admin_user: true,
  admin_session: true,
  usage_event: true,
  content_finding: true,
  content_text: true,
  audit_entry: true,
  audit_head: true,
  policy_version: true,
  policy_acceptance: true,
  use_case_application: true,
  application_event: true,
  webhook_endpoint: true,
  webhook_delivery: true,
  monitor_lease: true,
  incident: true,
  incident_note: true,
  mitigation: true,
}

/** Every table of the schema. */
export const STORE_TABLES = Object.keys(TABLES) as ReadonlyArray<keyof Database>

/** Every value stored in every table, as one text a test can search for secrets. */
export async function dumpStore(store: Store): Promise<string> {
  const dumps: string[] = []
  for (const table of STORE_TABLES) {
    dumps.push(
      `${table}: ${JSON.stringify(await store.db.selectFrom(table).selectAll().execute())}`,
    )
  }
  return dumps.join('\n')
}

/** A clock that moves only when the test moves it. */
export interface ManualClock {
  readonly now: () => number
  advance(ms: number): void
}

/** A manual clock starting at `start` (Unix milliseconds). */
export function createManualClock(start = Date.UTC(2025, 0, 1)): ManualClock {
  let time = start
  return {
    now: () => time,
    advance(ms) {
      time += ms
    },
  }
}

/** A fresh database with a store open on it; `close` shuts everything and drops the database. */
export interface StoreFixture {
  readonly database: TestDatabase
  readonly store: Store
  readonly clock: ManualClock
  /** Failures reported to the `onError` of every audit log opened here. */
  readonly writeErrors: unknown[]
  /** Another handle on the same database, as a second process (the CLI) would open. */
  openStore(): Promise<Store>
  /** A real audit log on `store` (the fixture's own by default), closed with the fixture. */
  createAuditLog(
    store?: Store,
    options?: { readonly checkpoints?: () => Promise<CheckpointIndex> },
  ): AuditLog
  close(): Promise<void>
}

/** Creates a fresh database of `kind`, opens a store on it and, unless told not to, migrates it. */
export async function openStoreFixture(
  kind: TestDatabaseKind,
  options: { readonly migrate?: boolean } = {},
): Promise<StoreFixture> {
  const database = await kind.create()
  const stores: Store[] = []
  const auditLogs: AuditLog[] = []
  const writeErrors: unknown[] = []
  const clock = createManualClock()

  async function open(): Promise<Store> {
    const store = await openStore({
      url: database.url,
      sqlitePath: database.sqlitePath,
      poolSize: 4,
    })
    stores.push(store)
    return store
  }

  async function close(): Promise<void> {
    for (const log of auditLogs) await log.close()
    for (const opened of stores) await opened.close()
    await database.drop()
  }

  let store: Store
  try {
    store = await open()
    if (options.migrate ?? true) await store.migrate()
  } catch (error) {
    // Nothing else holds this database: drop it, or a failed setup leaves it behind.
    await close()
    throw error
  }

  return {
    database,
    store,
    clock,
    writeErrors,
    openStore: open,
    createAuditLog(on = store, logOptions = {}) {
      const log = createAuditLog({
        db: on.db,
        now: clock.now,
        onError: (error) => writeErrors.push(error),
        ...logOptions,
      })
      auditLogs.push(log)
      return log
    },
    close,
  }
}

/** The WardenError a promise rejects with; anything else (or no rejection) fails the test. */
export async function wardenErrorOf(promise: Promise<unknown>): Promise<WardenError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof WardenError) return error
    throw error
  }
  throw new Error('expected a WardenError, but the promise resolved')
}
