/**
 * What a stage does to a stream when it must see chunks before the client does: hold them
 * back, release them later (several at once), replace them, or end the stream with an error.
 * Content filtering's hold-back window is the user this exists for.
 */
export interface StreamTransform<T> {
  /**
   * Sees one chunk; resolves with the chunks to send on now, oldest first: `[]` holds it back,
   * `[chunk]` passes it, anything else replaces it or releases what was held. A throw (or a
   * rejection) ends the stream with that error and closes the source.
   */
  chunk(chunk: T): readonly T[] | Promise<readonly T[]>
  /** At the end of the source: what is still held and should go out. A throw ends with an error. */
  end?(): readonly T[] | Promise<readonly T[]>
}

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

  const closeSource = async (): Promise<void> => {
    finished = true
    await iterator.return?.()
  }

  const next = async (): Promise<IteratorResult<T>> => {
    for (;;) {
      if (index < ready.length) return { done: false, value: ready[index++] as T }
      if (finished) return { done: true, value: undefined }
      const result = await iterator.next()
      index = 0
      if (result.done === true) {
        finished = true
        ready = transform.end ? await transform.end() : []
        continue
      }
      try {
        ready = await transform.chunk(result.value)
      } catch (error) {
        ready = []
        await closeSource()
        throw error
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
