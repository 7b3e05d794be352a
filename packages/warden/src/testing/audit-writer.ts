import { setTimeout as sleep } from 'node:timers/promises'
import { createAuditLog } from '../monitoring/index.js'
import { openStore } from '../store/index.js'

/** What `appendAuditEntries` is asked to do. */
export interface AuditWriterInput {
  readonly url: string
  readonly sqlitePath: string
  readonly actor: string
  readonly count: number
  /** A pause between appends, so that two writers overlap in time. */
  readonly pauseMs: number
}

/**
 * Appends `count` entries (`details: { i }`) through a store handle of its own, one durable append
 * at a time: the other writer of a concurrency test, run in-process or by `startOtherProcess`.
 */
export async function appendAuditEntries(input: AuditWriterInput): Promise<void> {
  const store = await openStore({ url: input.url, sqlitePath: input.sqlitePath, poolSize: 2 })
  const log = createAuditLog({ db: store.db, now: Date.now, onError: () => undefined })
  try {
    for (let i = 0; i < input.count; i += 1) {
      await log.appendNow({ actor: input.actor, action: 'test.append', details: { i } })
      await sleep(input.pauseMs)
    }
  } finally {
    await log.close()
    await store.close()
  }
}
