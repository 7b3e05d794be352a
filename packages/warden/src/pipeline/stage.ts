import type { Exchange } from './exchange.js'

/** One step of enforcement; work on the way back goes after `await next()`. */
export type Stage = (x: Exchange, next: () => Promise<void>) => Promise<void>

/** Runs stages onion-style: the first stage is outermost and sees every outcome. */
export function compose(stages: readonly Stage[]): (x: Exchange) => Promise<void> {
  return (x) => {
    const dispatch = (i: number): Promise<void> => {
      const stage = stages[i]
      return stage ? stage(x, () => dispatch(i + 1)) : Promise.resolve()
    }
    return dispatch(0)
  }
}

/**
 * Wraps a stream so `onEnd` runs exactly once when it finishes, fails, or its consumer stops,
 * without draining it.
 */
export async function* onStreamEnd<T>(
  source: AsyncIterable<T>,
  onEnd: (error: unknown) => void,
): AsyncGenerator<T> {
  let failure: unknown = null
  try {
    yield* source
  } catch (error) {
    failure = error
    throw error
  } finally {
    onEnd(failure)
  }
}
