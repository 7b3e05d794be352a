import { setTimeout as sleep } from 'node:timers/promises'
import { createAuditCheckpointer, createAuditLog, loadSigningKey } from '../monitoring/index.js'
import { openStore } from '../store/index.js'

/** What `appendAuditEntries` is asked to do. */
export interface AuditWriterInput {
  readonly url: string
  readonly sqlitePath: string
  readonly actor: string
  readonly count: number
  /** A pause between appends, so that two writers overlap in time. */
  readonly pauseMs: number
  /** Checkpoint the head after every append, signed with the key in `keyFile`. */
  readonly checkpoints?: { readonly file: string; readonly keyFile: string }
}

/**
 * Appends `count` entries (`details: { i }`) through a store handle of its own, one durable append
 * at a time: the other writer of a concurrency test, run in-process or by `startOtherProcess`.
 */
export async function appendAuditEntries(input: AuditWriterInput): Promise<void> {
  const store = await openStore({ url: input.url, sqlitePath: input.sqlitePath, poolSize: 2 })
  const log = createAuditLog({ db: store.db, now: Date.now, onError: () => undefined })
  const checkpoints = input.checkpoints
  const checkpointer = checkpoints
    ? createAuditCheckpointer({
        db: store.db,
        key: loadSigningKey({ keyFile: checkpoints.keyFile }),
        file: checkpoints.file,
        now: Date.now,
        onError: (error) => {
          throw error
        },
      })
    : null
  await checkpointer?.init()
  try {
    for (let i = 0; i < input.count; i += 1) {
      await log.appendNow({ actor: input.actor, action: 'test.append', details: { i } })
      await checkpointer?.checkpoint()
      await sleep(input.pauseMs)
    }
  } finally {
    await log.close()
    await store.close()
  }
}
