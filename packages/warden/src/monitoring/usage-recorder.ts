import type { UsageEvent, UsageSink } from '../domain/index.js'
import type { Store } from '../store/index.js'
import { createBatchQueue, type BatchQueueStats } from './batch-queue.js'

export interface UsageRecorderOptions {
  readonly store: Pick<Store, 'insertRows'>
  readonly batchSize: number
  readonly flushIntervalMs: number
  readonly maxQueue: number
  readonly onError: (error: unknown, batchSize: number) => void
  readonly onDrop?: (droppedSinceLastTick: number) => void
}

/** A usage sink that writes events in batches, never on the request path. */
export interface UsageRecorder extends UsageSink {
  flush(): Promise<void>
  close(): Promise<void>
  stats(): BatchQueueStats
}

/** Records one usage event per request into `usage_event`, batched. */
export function createUsageRecorder(options: UsageRecorderOptions): UsageRecorder {
  const queue = createBatchQueue<UsageEvent>({
    batchSize: options.batchSize,
    intervalMs: options.flushIntervalMs,
    maxQueue: options.maxQueue,
    onError: options.onError,
    ...(options.onDrop ? { onDrop: options.onDrop } : {}),
    write: (batch) =>
      options.store.insertRows(
        'usage_event',
        batch.map((e) => ({
          request_id: e.requestId,
          at: e.at,
          endpoint: e.endpoint,
          key_id: e.keyId,
          app_id: e.appId,
          org_id: e.orgId,
          model: e.model,
          stream: e.stream ? 1 : 0,
          prompt_tokens: e.promptTokens,
          completion_tokens: e.completionTokens,
          tokens_source: e.tokensSource,
          gateway_ms: e.gatewayMs,
          upstream_ms: e.upstreamMs,
          status: e.status,
          outcome: e.outcome,
          error_code: e.errorCode,
        })),
      ),
  })
  return {
    record: (event) => queue.push(event),
    flush: () => queue.flush(),
    close: () => queue.close(),
    stats: () => queue.stats(),
  }
}
