import type { ContentFindingEvent, ContentFindingSink } from '../domain/index.js'
import type { Store } from '../store/index.js'
import { createBatchQueue, type BatchQueueStats } from './batch-queue.js'
import { columnText } from './usage-recorder.js'

export interface ContentFindingRecorderOptions {
  readonly store: Pick<Store, 'insertRows'>
  readonly batchSize: number
  readonly flushIntervalMs: number
  readonly maxQueue: number
  readonly onError: (error: unknown, batchSize: number) => void
  readonly onDrop?: (droppedSinceLastTick: number) => void
}

/** A findings sink that writes rows in batches, never on the request path. */
export interface ContentFindingRecorder extends ContentFindingSink {
  flush(): Promise<void>
  close(): Promise<void>
  stats(): BatchQueueStats
}

/** An offset or index as a column value: a non-negative integer, or null. */
const position = (value: number | null): number | null =>
  value === null || !Number.isFinite(value) ? null : Math.max(0, Math.trunc(value))

/** Records the content filter's findings into `content_finding`, batched. */
export function createContentFindingRecorder(
  options: ContentFindingRecorderOptions,
): ContentFindingRecorder {
  const queue = createBatchQueue<ContentFindingEvent>({
    batchSize: options.batchSize,
    intervalMs: options.flushIntervalMs,
    maxQueue: options.maxQueue,
    onError: options.onError,
    ...(options.onDrop ? { onDrop: options.onDrop } : {}),
    write: (batch) =>
      options.store.insertRows(
        'content_finding',
        batch.map((e) => ({
          request_id: e.requestId,
          at: e.at,
          endpoint: e.endpoint,
          key_id: e.keyId,
          app_id: e.appId,
          org_id: e.orgId,
          direction: e.direction,
          category: columnText(e.category) ?? '',
          label: columnText(e.label),
          score: Number.isFinite(e.score) ? e.score : 0,
          action: e.action,
          clause: columnText(e.clause),
          classifier: columnText(e.classifier) ?? '',
          text_index: position(e.textIndex),
          span_start: position(e.spanStart),
          span_end: position(e.spanEnd),
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
