import { createHash } from 'node:crypto'
import type { ContentTextEvent, ContentTextSink } from '../domain/index.js'
import type { Store } from '../store/index.js'
import { createBatchQueue, type BatchQueueStats } from './batch-queue.js'

export interface ContentTextRecorderOptions {
  readonly store: Pick<Store, 'insertRows'>
  readonly batchSize: number
  readonly flushIntervalMs: number
  readonly maxQueue: number
  /** Characters of text waiting at most; a text beyond them is dropped, and counted. */
  readonly maxQueuedChars: number
  readonly onError: (error: unknown, batchSize: number) => void
  readonly onDrop?: (droppedSinceLastTick: number) => void
}

/** A sink of kept texts that hashes and writes them in batches, never on the request path. */
export interface ContentTextRecorder extends ContentTextSink {
  flush(): Promise<void>
  close(): Promise<void>
  stats(): BatchQueueStats
}

/** SHA-256 of a text's UTF-8 bytes, hex. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

/**
 * A text as a column value. PostgreSQL refuses NUL in text (and one bad row would fail the
 * whole batch), so NUL becomes U+FFFD on every database alike; the hash is of the text before.
 */
// eslint-disable-next-line no-control-regex
const storable = (text: string): string => text.replace(/\u0000/g, '\uFFFD')

/**
 * Records kept texts into `content_text`, batched. The SHA-256 is computed here, in the
 * writer, so hashing every text of every request (`unflagged_content: hash`) costs the request
 * nothing; the queue is bounded by characters as well as by count, since one text may be
 * megabytes.
 */
export function createContentTextRecorder(
  options: ContentTextRecorderOptions,
): ContentTextRecorder {
  const queue = createBatchQueue<ContentTextEvent>({
    batchSize: options.batchSize,
    intervalMs: options.flushIntervalMs,
    maxQueue: options.maxQueue,
    weigh: (e) => e.text.length,
    maxWeight: options.maxQueuedChars,
    onError: options.onError,
    ...(options.onDrop ? { onDrop: options.onDrop } : {}),
    write: (batch) =>
      options.store.insertRows(
        'content_text',
        batch.map((e) => ({
          request_id: e.requestId,
          direction: e.direction,
          text_index: e.textIndex,
          at: e.at,
          expires_at: e.expiresAt,
          endpoint: e.endpoint,
          key_id: e.keyId,
          app_id: e.appId,
          org_id: e.orgId,
          kind: e.kind,
          text: e.kind === 'text' ? storable(e.text) : null,
          redacted: e.redacted ? 1 : 0,
          sha256: sha256Hex(e.text),
        })),
      ),
  })
  return {
    record: (events) => {
      for (const event of events) queue.push(event)
    },
    flush: () => queue.flush(),
    close: () => queue.close(),
    stats: () => queue.stats(),
  }
}
