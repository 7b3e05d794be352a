import type { Exchange, SettleHandler } from './exchange.js'

/**
 * One step of enforcement; work on the way back goes after `await next()`. `Body` is the
 * checked request body of the endpoint the stage serves; stages that do not read it take any.
 */
export type Stage<Body = unknown> = (x: Exchange<Body>, next: () => Promise<void>) => Promise<void>

/** Runs stages onion-style: the first stage is outermost and sees every outcome. */
export function compose<Body>(
  stages: ReadonlyArray<Stage<Body>>,
): (x: Exchange<Body>) => Promise<void> {
  return (x) => {
    const dispatch = (i: number): Promise<void> => {
      const stage = stages[i]
      return stage ? stage(x, () => dispatch(i + 1)) : Promise.resolve()
    }
    return dispatch(0)
  }
}

/** What a stage does to a stream as it goes by, without draining it. */
export interface StreamTap<T> {
  /** Sees each chunk; returns it (or a replacement) to pass on, or undefined to hold it back. */
  readonly chunk?: (chunk: T) => T | undefined
  /**
   * Runs exactly once: when the stream finishes (null), fails (the error), or its consumer
   * stops early (null). The consumer waits for it.
   */
  readonly end: (error: unknown) => void | Promise<void>
}

/**
 * Wraps a stream with a tap. A hand-written iterator rather than an async generator: one
 * promise per chunk instead of a generator's several, which matters at every chunk of every
 * stream (measured: about a third of the pipeline's own streaming CPU).
 */
export function tapStream<T>(source: AsyncIterable<T>, tap: StreamTap<T>): AsyncIterable<T> {
  const iterator = source[Symbol.asyncIterator]()
  let ended = false
  const finish = async (error: unknown): Promise<void> => {
    if (ended) return
    ended = true
    await tap.end(error)
  }
  const pull = (): Promise<IteratorResult<T>> =>
    iterator.next().then(
      (result): IteratorResult<T> | Promise<IteratorResult<T>> => {
        if (result.done === true) return finish(null).then(() => result)
        const value = tap.chunk ? tap.chunk(result.value) : result.value
        return value === undefined ? pull() : { done: false, value }
      },
      (error: unknown) => finish(error).then(() => Promise.reject(error as Error)),
    )
  return {
    [Symbol.asyncIterator]: () => ({
      next: pull,
      async return(): Promise<IteratorResult<T>> {
        try {
          await iterator.return?.()
        } finally {
          await finish(null)
        }
        return { done: true, value: undefined }
      },
    }),
  }
}

/**
 * A stage that registers `handler` to run exactly once when the request settles: after a throw,
 * once a JSON answer is ready, or when a stream ends, fails or is left by its client. Handlers
 * run innermost first, after every stream tap has seen the end, so usage is final by then.
 * Only requests that reached the stage run its handler.
 */
export function onSettle(handler: SettleHandler): Stage {
  return (x, next) => {
    x.settlers.push(handler)
    return next()
  }
}
