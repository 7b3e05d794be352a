import { writeFileSync } from 'node:fs'
import { createAdminUsers } from '../access/index.js'
import { createAuditLog } from '../monitoring/index.js'
import { openStore } from '../store/index.js'

/** What `bootstrapAdmin` is asked to do. */
export interface BootstrapRunnerInput {
  readonly url: string
  readonly sqlitePath: string
  /** Where the result (`BootstrapResult` as JSON) is written. */
  readonly outFile: string
}

/**
 * Opens a store of its own, migrates it and bootstraps the admin as a starting server does: the
 * other replica of a race test, run in-process or by `startOtherProcess`.
 */
export async function bootstrapAdmin(input: BootstrapRunnerInput): Promise<void> {
  const store = await openStore({ url: input.url, sqlitePath: input.sqlitePath, poolSize: 2 })
  const audit = createAuditLog({ db: store.db, now: Date.now, onError: () => undefined })
  try {
    await store.migrate()
    const admins = createAdminUsers({ db: store.db, audit, now: Date.now, sessionTtlMs: 60_000 })
    writeFileSync(input.outFile, JSON.stringify(await admins.bootstrap()))
  } finally {
    await audit.close()
    await store.close()
  }
}
