import { createHash } from 'node:crypto'
import type { Kysely, Transaction } from 'kysely'
import type { AuditInput, AuditSink } from '../domain/index.js'
import type { Database } from '../store/index.js'
import {
  createCheckpointMatcher,
  type AuditProblem,
  type CheckpointIndex,
} from './audit-checkpoint-verify.js'
import { createBatchQueue, type BatchQueueStats } from './batch-queue.js'

/** One stored entry of the audit chain. */
export interface AuditEntry {
  readonly seq: number
  readonly at: number
  readonly actor: string
  readonly action: string
  readonly target: string | null
  readonly details: string
  readonly prevHash: string
  readonly hash: string
}

/** What `verify` found: ok, or the first entries that break the chain or its checkpoints. */
export interface AuditVerification {
  readonly ok: boolean
  /** Entries read. */
  readonly checked: number
  readonly headSeq: number
  /** Valid, trusted checkpoints the chain was checked against. */
  readonly checkpoints: number
  readonly problems: readonly AuditProblem[]
  /** What limits the verdict without making it fail (no checkpoint file yet). */
  readonly warnings: readonly string[]
}

export interface AuditLogOptions {
  readonly db: Kysely<Database>
  readonly now: () => number
  readonly onError: (error: unknown, batchSize: number) => void
  readonly flushIntervalMs?: number
  /** Reads the signed checkpoints `verify` checks the chain against; none when absent. */
  readonly checkpoints?: () => Promise<CheckpointIndex>
}

/** The audit log: an append-only sink plus chain verification. */
export interface AuditLog extends AuditSink {
  verify(): Promise<AuditVerification>
  list(options?: { afterSeq?: number; limit?: number }): Promise<AuditEntry[]>
  flush(): Promise<void>
  close(): Promise<void>
  stats(): BatchQueueStats
}

/** JSON with object keys sorted at every level, so a hash does not depend on key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/** The hash of an entry: SHA-256 over the previous hash and the entry's fields. */
export function hashAuditEntry(entry: Omit<AuditEntry, 'hash'>): string {
  const body = canonicalJson({
    seq: entry.seq,
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    target: entry.target,
    details: entry.details,
  })
  return createHash('sha256').update(`${entry.prevHash}\n${body}`).digest('hex')
}

function checkpointWarnings(index: CheckpointIndex, headSeq: number): string[] {
  if (headSeq === 0) return []
  if (index.missing) {
    return [
      `no checkpoint file at ${index.path}: the chain was checked only against itself, so a rewound head or a re-hashed chain would pass`,
    ]
  }
  if (index.count === 0) {
    return [`no valid checkpoint in ${index.path}: the chain was checked only against itself`]
  }
  return []
}

interface Pending {
  readonly at: number
  readonly input: AuditInput
}

/**
 * An append-only, hash-chained audit log. Each entry carries the hash of the one before it;
 * the head row holds the last sequence number and hash, so editing, deleting or truncating
 * entries is found by `verify`. Appends from several processes serialize on the head row.
 */
export function createAuditLog(options: AuditLogOptions): AuditLog {
  const { db, now } = options

  async function appendBatch(trx: Transaction<Database>, batch: readonly Pending[]): Promise<void> {
    // Taking the write lock first (a no-op update) serializes writers on SQLite and PostgreSQL alike.
    await trx
      .updateTable('audit_head')
      .set((eb) => ({ seq: eb.ref('seq') }))
      .where('id', '=', 1)
      .execute()
    const head = await trx
      .selectFrom('audit_head')
      .select(['seq', 'hash'])
      .where('id', '=', 1)
      .executeTakeFirstOrThrow()
    let prevHash = head.hash
    let seq = head.seq
    const rows = batch.map(({ at, input }) => {
      seq += 1
      const entry = {
        seq,
        at,
        actor: input.actor,
        action: input.action,
        target: input.target ?? null,
        details: canonicalJson(input.details ?? {}),
        prevHash,
      }
      prevHash = hashAuditEntry(entry)
      return {
        seq: entry.seq,
        at: entry.at,
        actor: entry.actor,
        action: entry.action,
        target: entry.target,
        details: entry.details,
        prev_hash: entry.prevHash,
        hash: prevHash,
      }
    })
    await trx.insertInto('audit_entry').values(rows).execute()
    await trx.updateTable('audit_head').set({ seq, hash: prevHash }).where('id', '=', 1).execute()
  }

  const queue = createBatchQueue<Pending>({
    batchSize: 200,
    intervalMs: options.flushIntervalMs ?? 500,
    maxQueue: 100_000,
    onError: options.onError,
    // An audit entry is never given up: a failing database holds it until it can be written.
    maxAttempts: Number.POSITIVE_INFINITY,
    write: (batch) => db.transaction().execute((trx) => appendBatch(trx, batch)),
  })

  return {
    append(input) {
      queue.push({ at: now(), input })
    },

    async appendNow(input) {
      queue.push({ at: now(), input })
      await queue.flush()
      if (queue.stats().queued > 0) throw new Error('the audit log could not be written')
    },

    async verify() {
      const problems: AuditProblem[] = []
      // Read before the head: every checkpoint in the file was then made from a head at or
      // below the one read next, so a checkpoint beyond it is a rewind, not a race.
      const index = options.checkpoints ? await options.checkpoints() : null
      const matcher = index ? createCheckpointMatcher(index) : null
      const head = await db
        .selectFrom('audit_head')
        .select(['seq', 'hash'])
        .where('id', '=', 1)
        .executeTakeFirst()
      const headSeq = head?.seq ?? 0
      let expectedSeq = 1
      let prevHash: string | null = null
      let checked = 0
      const pageSize = 1000
      for (;;) {
        const page = await db
          .selectFrom('audit_entry')
          .selectAll()
          .where('seq', '>=', expectedSeq)
          // Entries appended while this runs are past the head it read; they are not missing.
          .where('seq', '<=', headSeq)
          .orderBy('seq')
          .limit(pageSize)
          .execute()
        for (const row of page) {
          if (row.seq !== expectedSeq) {
            problems.push({
              seq: expectedSeq,
              problem: `entries ${expectedSeq}..${row.seq - 1} are missing`,
            })
          }
          if (prevHash !== null && row.prev_hash !== prevHash) {
            problems.push({ seq: row.seq, problem: 'does not chain to the entry before it' })
          }
          const recomputed = hashAuditEntry({
            seq: row.seq,
            at: row.at,
            actor: row.actor,
            action: row.action,
            target: row.target,
            details: row.details,
            prevHash: row.prev_hash,
          })
          if (recomputed !== row.hash)
            problems.push({ seq: row.seq, problem: 'was edited (its hash does not match)' })
          matcher?.see(row.seq, row.hash)
          prevHash = row.hash
          expectedSeq = row.seq + 1
          checked += 1
        }
        if (page.length < pageSize) break
      }
      if (expectedSeq - 1 !== headSeq) {
        problems.push({
          seq: headSeq,
          problem: `the log ends at ${expectedSeq - 1} but the head says ${headSeq}: entries were removed`,
        })
      } else if (head && checked > 0 && prevHash !== head.hash) {
        problems.push({ seq: headSeq, problem: 'the last entry does not match the head hash' })
      }
      problems.push(...(matcher?.finish(headSeq) ?? []))
      problems.sort((a, b) => a.seq - b.seq)
      const warnings = index ? checkpointWarnings(index, headSeq) : []
      return {
        ok: problems.length === 0,
        checked,
        headSeq,
        checkpoints: index?.count ?? 0,
        problems,
        warnings,
      }
    },

    async list({ afterSeq = 0, limit = 100 } = {}) {
      const rows = await db
        .selectFrom('audit_entry')
        .selectAll()
        .where('seq', '>', afterSeq)
        .orderBy('seq')
        .limit(Math.min(Math.max(limit, 1), 1000))
        .execute()
      return rows.map((r) => ({
        seq: r.seq,
        at: r.at,
        actor: r.actor,
        action: r.action,
        target: r.target,
        details: r.details,
        prevHash: r.prev_hash,
        hash: r.hash,
      }))
    },

    flush: () => queue.flush(),
    close: () => queue.close(),
    stats: () => queue.stats(),
  }
}
