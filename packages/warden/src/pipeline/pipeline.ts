import { performance } from 'node:perf_hooks'
import { ERRORS, isWardenError, type Endpoint } from '../domain/index.js'
import type { Exchange, Settlement } from './exchange.js'
import { compose, tapStream, type Stage } from './stage.js'

/** The stage lists of every endpoint, as `endpoints.ts` writes them. */
export type EndpointStages = { readonly [E in Endpoint]: ReadonlyArray<Stage<never>> }

/** Runs exchanges through their endpoint's stages and keeps count of the unsettled ones. */
export interface Pipeline {
  /** Runs one exchange; `x.output` is then what to send. Settles it, or arranges to. */
  run(x: Exchange): Promise<void>
  /** Requests that have not settled yet (a stream counts until it ends). */
  inFlight(): number
  /** Resolves once no request is unsettled, or after `timeoutMs`; true if all settled. */
  drained(timeoutMs: number): Promise<boolean>
}

/** How an exchange ended, from what it threw (or null), in the one error table's terms. */
function settlementOf(x: Exchange, failure: unknown, endedAt: number): Settlement {
  const totalMs = endedAt - x.startedAt
  if (failure === null && !x.signal.aborted) {
    return { error: null, status: 200, code: null, outcome: 'ok', clause: null, totalMs }
  }
  // A stream the client walked away from ends without an error, but it did not complete; work
  // cut short because the client left (an aborted check) is a cancellation too, not a fault.
  const code = isWardenError(failure)
    ? failure.code
    : failure === null || x.signal.aborted
      ? 'request_cancelled'
      : 'internal_error'
  const spec = ERRORS[code]
  const clause = isWardenError(failure) ? failure.clause : null
  return { error: failure, status: spec.status, code, outcome: spec.outcome, clause, totalMs }
}

/**
 * Builds the runner over per-endpoint stage lists. The end-of-request mechanism lives here,
 * once: handlers registered with `onSettle` run after a throw, after a JSON answer, or at the
 * end of a stream (one tap per stream, however many handlers), exactly once each.
 */
export function createPipeline(
  stages: EndpointStages,
  onHandlerError: (error: unknown) => void,
): Pipeline {
  const composed = Object.fromEntries(
    Object.entries(stages).map(([endpoint, list]) => [
      endpoint,
      compose(list as ReadonlyArray<Stage<unknown>>),
    ]),
  ) as Record<Endpoint, (x: Exchange) => Promise<void>>
  let unsettled = 0
  let waiters: Array<() => void> = []

  async function settle(x: Exchange, failure: unknown): Promise<void> {
    const endedAt = performance.now()
    const end = settlementOf(x, failure, endedAt)
    if (x.output?.kind === 'stream' && x.upstreamStartedAt !== undefined) {
      x.upstreamMs = endedAt - x.upstreamStartedAt
    }
    for (let i = x.settlers.length - 1; i >= 0; i -= 1) {
      try {
        const done = (x.settlers[i] as (typeof x.settlers)[number])(x, end)
        // Most handlers are synchronous: only a promise costs a turn of the microtask queue.
        if (done instanceof Promise) await done
      } catch (error) {
        onHandlerError(error)
      }
    }
    unsettled -= 1
    if (unsettled === 0 && waiters.length > 0) {
      const wake = waiters
      waiters = []
      for (const resolve of wake) resolve()
    }
  }

  return {
    async run(x) {
      unsettled += 1
      try {
        await composed[x.endpoint](x)
      } catch (error) {
        await settle(x, error)
        throw error
      }
      const output = x.output
      if (output?.kind === 'stream') {
        x.output = {
          ...output,
          chunks: tapStream(output.chunks, {
            // Outermost: the chunk goes to the client next, so this is its time to first chunk.
            chunk: (chunk) => {
              x.firstChunkAt ??= performance.now()
              return chunk
            },
            end: (error) => settle(x, error),
          }),
        }
      } else {
        await settle(x, null)
      }
    },
    inFlight: () => unsettled,
    drained(timeoutMs) {
      if (unsettled === 0) return Promise.resolve(true)
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(unsettled === 0), timeoutMs)
        waiters.push(() => {
          clearTimeout(timer)
          resolve(true)
        })
      })
    },
  }
}
