/** Counters of a batch queue, for health and metrics. */
export interface BatchQueueStats {
  readonly queued: number
  readonly written: number
  readonly dropped: number
  readonly failedWrites: number
}

export interface BatchQueueOptions<T> {
  /** Writes one batch; a throw keeps the batch for the next attempt. */
  readonly write: (batch: readonly T[]) => Promise<void>
  readonly batchSize: number
  readonly intervalMs: number
  /** Items beyond this many waiting are dropped, and counted. */
  readonly maxQueue: number
  readonly onError: (error: unknown, batchSize: number) => void
  /** Told, at most once a tick, how many items were dropped since the last time. */
  readonly onDrop?: (droppedSinceLastTick: number) => void
}

/**
 * Buffers items and writes them in batches, off the request path: on a timer, once a batch
 * is full, and on `flush()`. Writes never overlap, so the order of items is kept.
 */
export function createBatchQueue<T>(options: BatchQueueOptions<T>) {
  const { write, batchSize, intervalMs, maxQueue, onError } = options
  let queue: T[] = []
  let writing: Promise<void> | null = null
  let written = 0
  let dropped = 0
  let failedWrites = 0
  let closed = false

  let reportedDrops = 0
  const timer = setInterval(() => {
    if (dropped > reportedDrops) {
      options.onDrop?.(dropped - reportedDrops)
      reportedDrops = dropped
    }
    void drain()
  }, intervalMs)
  timer.unref()

  async function drainOnce(): Promise<boolean> {
    const batch = queue.slice(0, batchSize)
    if (batch.length === 0) return false
    try {
      await write(batch)
      queue = queue.slice(batch.length)
      written += batch.length
      return true
    } catch (error) {
      failedWrites += 1
      onError(error, batch.length)
      return false
    }
  }

  /** Writes until the queue is empty or a write fails; one writer at a time. */
  function drain(): Promise<void> {
    if (writing) return writing
    writing = (async () => {
      try {
        while (await drainOnce()) {
          // keep going while batches succeed
        }
      } finally {
        writing = null
      }
    })()
    return writing
  }

  return {
    /** Queues an item; never blocks, never throws. */
    push(item: T): void {
      if (closed || queue.length >= maxQueue) {
        dropped += 1
        return
      }
      queue.push(item)
      if (queue.length >= batchSize && !writing) void drain()
    },

    /** Resolves once everything queued before the call is written (or a write failed). */
    async flush(): Promise<void> {
      if (writing) await writing
      await drain()
    },

    /** Stops the timer and writes what is left. */
    async close(): Promise<void> {
      clearInterval(timer)
      await this.flush()
      closed = true
    },

    stats(): BatchQueueStats {
      return { queued: queue.length, written, dropped, failedWrites }
    },
  }
}

/** A running batch queue. */
export type BatchQueue<T> = ReturnType<typeof createBatchQueue<T>>
