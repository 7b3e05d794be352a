import { mkdir, open } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import type { Kysely } from 'kysely'
import type { Database } from '../store/index.js'
import { signCheckpoint, type AuditCheckpoint, type AuditHead } from './audit-checkpoint.js'
import type { AuditSigningKey } from './audit-signing-key.js'

/** Checkpoints held for a webhook that keeps failing; beyond this the oldest are given up. */
const MAX_UNSENT = 1000
const WEBHOOK_TIMEOUT_MS = 5_000

export interface AuditCheckpointerOptions {
  readonly db: Kysely<Database>
  readonly key: AuditSigningKey
  /** The JSON-lines file checkpoints are appended to. */
  readonly file: string
  /** Where each checkpoint is also POSTed as JSON, if anywhere. */
  readonly webhook?: string | undefined
  readonly now: () => number
  /** A failed write or webhook call; it is retried at the next checkpoint. */
  readonly onError: (error: unknown, what: 'file' | 'webhook') => void
}

/** Writes signed checkpoints of the audit head outside the database. */
export interface AuditCheckpointer {
  /** Takes the current head as the last one seen: a checkpoint is due only once it moves. */
  init(): Promise<void>
  /** Signs and writes the head if it moved since the last checkpoint; returns what was written. */
  checkpoint(): Promise<AuditCheckpoint | null>
  /** Checkpoints every `intervalMs` (when the head moved) until `close`; the timer is unref'd. */
  schedule(intervalMs: number): void
  /** Stops the schedule and writes a last checkpoint if the head moved. */
  close(): Promise<void>
}

/** Appends one line with O_APPEND (several processes may share the file) and fsyncs it. */
async function appendLine(file: string, line: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true })
  const handle = await open(file, 'a', 0o644)
  try {
    // One write call per line: with O_APPEND the kernel places it whole at the end.
    await handle.write(line)
    await handle.sync()
  } finally {
    await handle.close()
  }
}

async function postCheckpoint(url: string, checkpoint: AuditCheckpoint): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(checkpoint),
    signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
  })
  await response.body?.cancel()
  if (!response.ok) throw new Error(`checkpoint webhook answered ${response.status}`)
}

/** A checkpointer; call `init` once before the first `checkpoint`. */
export function createAuditCheckpointer(options: AuditCheckpointerOptions): AuditCheckpointer {
  const { db, key, file, webhook, now, onError } = options
  let last: AuditHead | null = null
  let unwritten: AuditCheckpoint | null = null
  const unsent: AuditCheckpoint[] = []
  let running: Promise<AuditCheckpoint | null> = Promise.resolve(null)
  let timer: NodeJS.Timeout | null = null

  const readHead = async (): Promise<AuditHead> =>
    (await db
      .selectFrom('audit_head')
      .select(['seq', 'hash'])
      .where('id', '=', 1)
      .executeTakeFirst()) ?? { seq: 0, hash: '' }

  async function sendUnsent(): Promise<void> {
    if (webhook === undefined) return
    while (unsent.length > 0) {
      try {
        await postCheckpoint(webhook, unsent[0] as AuditCheckpoint)
      } catch (error) {
        onError(error, 'webhook')
        return
      }
      unsent.shift()
    }
  }

  async function checkpointOnce(): Promise<AuditCheckpoint | null> {
    const head = await readHead()
    const moved =
      head.seq > 0 && (last === null || last.seq !== head.seq || last.hash !== head.hash)
    let written: AuditCheckpoint | null = null
    if (moved) {
      unwritten = signCheckpoint(head, now(), key)
      last = head
      if (webhook !== undefined) {
        unsent.push(unwritten)
        if (unsent.length > MAX_UNSENT) unsent.shift()
      }
    }
    if (unwritten !== null) {
      try {
        await appendLine(file, `${JSON.stringify(unwritten)}\n`)
        written = unwritten
        unwritten = null
      } catch (error) {
        onError(error, 'file')
      }
    }
    await sendUnsent()
    return written
  }

  function checkpoint(): Promise<AuditCheckpoint | null> {
    // One at a time: a tick and a close never write the same head twice or out of order.
    running = running.then(checkpointOnce, checkpointOnce)
    return running
  }

  return {
    async init() {
      last = await readHead()
    },
    checkpoint,
    schedule(intervalMs) {
      if (timer !== null) return
      timer = setInterval(() => {
        checkpoint().catch((error: unknown) => onError(error, 'file'))
      }, intervalMs)
      timer.unref()
    },
    async close() {
      if (timer !== null) clearInterval(timer)
      timer = null
      try {
        await checkpoint()
      } catch (error) {
        // The head could not be read (the database is gone): nothing to sign, and closing goes on.
        onError(error, 'file')
      }
    },
  }
}

/** Where the signing key and checkpoint file live: as configured, else beside the SQLite file. */
export function auditFilePaths(
  audit: { readonly keyFile: string; readonly checkpointFile: string },
  sqlitePath: string,
): { readonly keyFile: string; readonly checkpointFile: string } {
  // Also with PostgreSQL: the folder of `database.sqlitePath` is Warden's data folder.
  const folder = dirname(resolve(sqlitePath))
  return {
    keyFile: resolve(audit.keyFile || join(folder, 'audit-signing-key.pem')),
    checkpointFile: resolve(audit.checkpointFile || join(folder, 'audit-checkpoints.jsonl')),
  }
}
