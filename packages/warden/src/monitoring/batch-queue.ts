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
  /** Attempts at one batch before it is given up as dropped (a poison batch must not wedge the queue). */
  readonly maxAttempts?: number
  /** Told, at most once a tick, how many items were dropped since the last time. */
  readonly onDrop?: (droppedSinceLastTick: number) => void
  /**
   * The size of an item (a text's characters), for queues whose items vary a thousandfold:
   * an item that would take the waiting items past `maxWeight` is dropped, and counted.
   */
  readonly weigh?: (item: T) => number
  readonly maxWeight?: number
}

/**
 * Buffers items and writes them in batches, off the request path: on a timer, once a batch
 * is full, and on `flush()`. Writes never overlap, so the order of items is kept.
 */
export function createBatchQueue<T>(options: BatchQueueOptions<T>) {
  const { write, batchSize, intervalMs, maxQueue, onError } = options
  // Items before `head` are written; the array is compacted now and then, not on every batch,
  // so a long queue under load costs O(1) per batch rather than a copy of itself.
  let queue: T[] = []
  let head = 0
  let writing: Promise<void> | null = null
  let written = 0
  let dropped = 0
  let failedWrites = 0
  let closed = false

  let attempts = 0
  const maxAttempts = options.maxAttempts ?? 5
  const { weigh } = options
  const maxWeight = options.maxWeight ?? Infinity
  // The weight of the items not yet written; only kept when the queue weighs its items.
  let weight = 0
  let reportedDrops = 0
  const timer = setInterval(() => {
    if (dropped > reportedDrops) {
      options.onDrop?.(dropped - reportedDrops)
      reportedDrops = dropped
    }
    void drain(true)
  }, intervalMs)
  timer.unref()

  const pending = () => queue.length - head

  /** Moves past a batch that is written or given up. */
  function done(batch: readonly T[]): void {
    head += batch.length
    if (weigh) for (const item of batch) weight -= weigh(item)
  }

  async function drainOnce(): Promise<boolean> {
    const batch = queue.slice(head, head + batchSize)
    if (batch.length === 0) return false
    try {
      await write(batch)
      attempts = 0
      done(batch)
      if (head === queue.length) {
        queue = []
        head = 0
      } else if (head > 4096 && head * 2 > queue.length) {
        queue = queue.slice(head)
        head = 0
      }
      written += batch.length
      return true
    } catch (error) {
      failedWrites += 1
      attempts += 1
      onError(error, batch.length)
      if (attempts >= maxAttempts) {
        // Given up: counted as dropped, and the queue moves on.
        attempts = 0
        dropped += batch.length
        done(batch)
      }
      return false
    }
  }

  /**
   * Writes batches until a write fails, or until the queue is empty (`all`) or holds less than
   * a full batch (a push that filled one). One writer at a time. Writing only full batches
   * between ticks matters: tiny batches cost a statement and a commit each.
   */
  function drain(all: boolean): Promise<void> {
    if (writing) return writing
    const run = async (): Promise<void> => {
      while ((all ? pending() > 0 : pending() >= batchSize) && (await drainOnce())) {
        // keep going while batches succeed
      }
    }
    // Cleared in a callback, never inside `run`: a run with nothing to do finishes
    // synchronously, before the assignment below would take place.
    writing = run().finally(() => {
      writing = null
    })
    return writing
  }

  return {
    /** Queues an item; never blocks, never throws. */
    push(item: T): void {
      const itemWeight = weigh ? weigh(item) : 0
      if (closed || pending() >= maxQueue || weight + itemWeight > maxWeight) {
        dropped += 1
        return
      }
      weight += itemWeight
      queue.push(item)
      if (pending() >= batchSize && !writing) void drain(false)
    },

    /** Resolves once everything queued before the call is written (or a write failed). */
    async flush(): Promise<void> {
      if (writing) await writing
      await drain(true)
    },

    /** Stops the timer and writes what is left. */
    async close(): Promise<void> {
      clearInterval(timer)
      await this.flush()
      closed = true
    },

    stats(): BatchQueueStats {
      return { queued: pending(), written, dropped, failedWrites }
    },
  }
}

/** A running batch queue. */
export type BatchQueue<T> = ReturnType<typeof createBatchQueue<T>>
