/**
 * What a stage does to a stream when it must see chunks before the client does: hold them
 * back, release them later (several at once), replace them, or end the stream with an error.
 * Content filtering's hold-back window is the user this exists for.
 */
export interface StreamTransform<T> {
  /**
   * Sees one chunk; resolves with the chunks to send on now, oldest first: `[]` holds it back,
   * `[chunk]` passes it, anything else replaces it or releases what was held. A throw (or a
   * rejection) ends the stream with that error and closes the source; a `StreamStop` does too,
   * after its last chunks.
   */
  chunk(chunk: T): StreamStep<T> | Promise<StreamStep<T>>
  /** At the end of the source: what is still held and should go out. A throw ends with an error. */
  end?(): StreamStep<T> | Promise<StreamStep<T>>
  /**
   * When the source fails: what is still held and may go out before the failure does (a stop
   * replaces the failure with its own error). Without it, what is held is dropped.
   */
  fail?(error: unknown): StreamStep<T> | Promise<StreamStep<T>>
}

/** Ends a stream early: its last chunks go out, then the stream fails with `error`. */
export interface StreamStop<T> {
  readonly last: readonly T[]
  readonly error: unknown
}

/** What a transform makes of a chunk: the chunks to send on, or the end of the stream. */
export type StreamStep<T> = readonly T[] | StreamStop<T>

/**
 * Wraps a stream with an asynchronous transform. Like `tapStream`, a hand-written iterator:
 * a stream that uses no transform pays nothing, and one that does pays one promise per chunk.
 */
export function transformStream<T>(
  source: AsyncIterable<T>,
  transform: StreamTransform<T>,
): AsyncIterable<T> {
  const iterator = source[Symbol.asyncIterator]()
  let ready: readonly T[] = []
  let index = 0
  let finished = false
  /** The error a stop ends the stream with, once its last chunks are out. */
  let stopped: { readonly error: unknown } | null = null

  const closeSource = async (): Promise<void> => {
    finished = true
    await iterator.return?.()
  }

  const next = async (): Promise<IteratorResult<T>> => {
    for (;;) {
      if (index < ready.length) return { done: false, value: ready[index++] as T }
      if (stopped !== null) {
        const { error } = stopped
        stopped = null
        throw error
      }
      if (finished) return { done: true, value: undefined }
      let result: IteratorResult<T>
      try {
        result = await iterator.next()
      } catch (error) {
        finished = true
        if (transform.fail === undefined) throw error
        // A transform that cannot salvage anything lets the source's own failure through.
        const step = await Promise.resolve(transform.fail(error)).catch(() => [])
        index = 0
        ready = isStop(step) ? step.last : step
        stopped = { error: isStop(step) ? step.error : error }
        continue
      }
      index = 0
      let step: StreamStep<T>
      try {
        if (result.done === true) {
          finished = true
          step = transform.end ? await transform.end() : []
        } else {
          step = await transform.chunk(result.value)
        }
      } catch (error) {
        ready = []
        if (!finished) await closeSource()
        throw error
      }
      if (isStop(step)) {
        ready = step.last
        stopped = { error: step.error }
        if (!finished) await closeSource()
      } else {
        ready = step
      }
    }
  }

  return {
    [Symbol.asyncIterator]: () => ({
      next,
      async return(): Promise<IteratorResult<T>> {
        ready = []
        if (!finished) await closeSource()
        return { done: true, value: undefined }
      },
    }),
  }
}

const isStop = <T>(step: StreamStep<T>): step is StreamStop<T> => !Array.isArray(step)
