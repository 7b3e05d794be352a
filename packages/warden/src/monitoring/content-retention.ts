import type { Kysely } from 'kysely'
import type { PolicyDocument } from '../policy/index.js'
import type { ContentTextTable, Database } from '../store/index.js'

/** The usage policy's `retention` section. */
export type Retention = PolicyDocument['retention']

const DAY_MS = 86_400_000

/** Rows of one kind deleted by a purge. */
export interface PurgeCounts {
  /** Texts of flagged requests. */
  readonly texts: number
  /** Hashes of unflagged requests' texts. */
  readonly hashes: number
}

/** One kept text of a request, as the admin API shows it. */
export interface StoredText {
  readonly direction: string
  readonly textIndex: number
  readonly kind: 'text' | 'hash'
  /** Null for a `hash` row. */
  readonly text: string | null
  readonly redacted: boolean
  readonly sha256: string
  /** When this row goes, under the current policy (Unix ms). */
  readonly expiresAt: number
}

/** A finding of the request, as `content_finding` has it: never the text. */
export interface StoredFinding {
  readonly direction: string
  readonly category: string
  readonly label: string | null
  readonly score: number
  readonly action: string
  readonly clause: string | null
  readonly classifier: string
  readonly textIndex: number | null
  readonly spanStart: number | null
  readonly spanEnd: number | null
}

/** What is kept of one request: its texts (or their hashes) and its findings. */
export interface StoredContent {
  readonly requestId: string
  readonly at: number
  readonly endpoint: string
  readonly orgId: string | null
  readonly appId: string | null
  readonly keyId: string | null
  readonly texts: readonly StoredText[]
  readonly findings: readonly StoredFinding[]
}

export interface ContentRetentionDeps {
  readonly db: Kysely<Database>
  readonly now: () => number
  /** The current policy's retention, read at each purge and each read. */
  readonly retention: () => Retention
  /** Requests whose rows one delete statement removes at most. */
  readonly batchSize: number
}

/**
 * Days a row of `kind` is kept under `retention`: a flagged request's text for
 * `flagged_content_days`, a hash for `usage_days` while the policy keeps hashes, else none.
 */
function daysOf(kind: string, retention: Retention): number {
  if (kind === 'text') return retention.flagged_content_days
  return retention.unflagged_content === 'hash' ? retention.usage_days : 0
}

/**
 * When a row goes: at its `expires_at` (the policy when it was stored), or sooner when the
 * current policy keeps less. A policy that later keeps more does not lengthen what was stored
 * under a shorter promise.
 */
function expiryOf(row: Pick<ContentTextTable, 'kind' | 'at' | 'expires_at'>, r: Retention): number {
  return Math.min(row.expires_at, row.at + daysOf(row.kind, r) * DAY_MS)
}

/**
 * The kept texts of requests and their retention: reads that honour the current policy, and a
 * purge, run on a timer by the server and once by `warden retention purge`. Replicas may purge
 * at the same time: a delete finds what another already removed gone, and goes on.
 */
export function createContentRetention(deps: ContentRetentionDeps) {
  const { db, now } = deps
  let timer: NodeJS.Timeout | null = null
  let running: Promise<unknown> | null = null

  /** Deletes rows of `kind` whose `column` is at or before `cutoff`, a batch of requests at a time. */
  async function purgeWhere(
    kind: 'text' | 'hash',
    column: 'at' | 'expires_at',
    cutoff: number,
  ): Promise<number> {
    let deleted = 0
    for (;;) {
      const due = await db
        .selectFrom('content_text')
        .select('request_id')
        .where('kind', '=', kind)
        .where(column, '<=', cutoff)
        .limit(deps.batchSize)
        .execute()
      if (due.length === 0) return deleted
      const result = await db
        .deleteFrom('content_text')
        .where('kind', '=', kind)
        .where(column, '<=', cutoff)
        .where('request_id', 'in', [...new Set(due.map((r) => r.request_id))])
        .executeTakeFirst()
      deleted += Number(result.numDeletedRows)
      if (due.length < deps.batchSize) return deleted
    }
  }

  /** Deletes every row of `kind` past its expiry under the current policy. */
  async function purgeKind(kind: 'text' | 'hash', at: number, r: Retention): Promise<number> {
    const byPolicy = await purgeWhere(kind, 'at', at - daysOf(kind, r) * DAY_MS)
    return byPolicy + (await purgeWhere(kind, 'expires_at', at))
  }

  const retention = {
    /** Deletes every kept text and hash past its time; says how many of each went. */
    async purge(): Promise<PurgeCounts> {
      const at = now()
      const r = deps.retention()
      return { texts: await purgeKind('text', at, r), hashes: await purgeKind('hash', at, r) }
    },

    /**
     * What is kept of one request, or null when nothing is (never kept, or purged). Rows past
     * their time are left out even before the purge reaches them.
     */
    async read(requestId: string): Promise<StoredContent | null> {
      const at = now()
      const r = deps.retention()
      const rows = (
        await db
          .selectFrom('content_text')
          .selectAll()
          .where('request_id', '=', requestId)
          .orderBy('direction')
          .orderBy('text_index')
          .execute()
      ).filter((row) => expiryOf(row, r) > at)
      const first = rows[0]
      if (first === undefined) return null
      const findings = await db
        .selectFrom('content_finding')
        .selectAll()
        .where('request_id', '=', requestId)
        .execute()
      return {
        requestId,
        at: first.at,
        endpoint: first.endpoint,
        orgId: first.org_id,
        appId: first.app_id,
        keyId: first.key_id,
        texts: rows.map((row) => ({
          direction: row.direction,
          textIndex: row.text_index,
          kind: row.kind === 'text' ? 'text' : 'hash',
          text: row.text,
          redacted: row.redacted === 1,
          sha256: row.sha256,
          expiresAt: expiryOf(row, r),
        })),
        findings: findings.map((f) => ({
          direction: f.direction,
          category: f.category,
          label: f.label,
          score: f.score,
          action: f.action,
          clause: f.clause,
          classifier: f.classifier,
          textIndex: f.text_index,
          spanStart: f.span_start,
          spanEnd: f.span_end,
        })),
      }
    },

    /** Purges now and then every `intervalMs`, one round at a time, until `close`. */
    schedule(
      intervalMs: number,
      onPurged: (counts: PurgeCounts) => void,
      onError: (error: unknown) => void,
    ): void {
      if (timer !== null) return
      const round = () => {
        if (running !== null) return
        running = retention
          .purge()
          .then(onPurged)
          .catch(onError)
          .finally(() => {
            running = null
          })
      }
      timer = setInterval(round, intervalMs)
      timer.unref()
      // A server restarted more often than the interval still purges.
      round()
    },

    /** Stops the schedule and waits for a round in progress. */
    async close(): Promise<void> {
      if (timer !== null) clearInterval(timer)
      timer = null
      await running
    },
  }
  return retention
}

/** The kept texts of requests and their purge. */
export type ContentRetention = ReturnType<typeof createContentRetention>
