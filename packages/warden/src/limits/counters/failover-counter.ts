import { WardenError } from '../../domain/index.js'
import type { CounterBackend, SettleInput } from '../counter-backend.js'

/** What happens to requests while the shared store is unreachable. */
export const FAILURE_MODES = ['closed', 'open'] as const
/** `closed`: refuse (503), nothing is served unmetered. `open`: count in this process instead. */
export type FailureMode = (typeof FAILURE_MODES)[number]

/** The state of the shared store as this process last saw it, for health and metrics. */
export interface FailoverStats {
  readonly mode: FailureMode
  readonly primary: 'up' | 'down'
  /** How many times the shared store went away since start. */
  readonly outages: number
  /** Requests counted by the insurance (open) or refused (closed) while it was away. */
  readonly degradedRequests: number
}

export interface FailoverOptions {
  readonly primary: CounterBackend
  /** In-process counters that take over in `open` mode: per-replica limits, never none. */
  readonly insurance: CounterBackend
  readonly mode: FailureMode
  /** Told once per change of state (not per request): the error that took it down, or null. */
  readonly onStateChange: (up: boolean, error: unknown) => void
}

/**
 * The shared store with a configured failure mode. A reservation the shared store cannot take
 * is refused (closed) or counted by the insurance (open); its settlement goes where its
 * reservation went. The store's client reconnects on its own; the first call that succeeds
 * again marks it up.
 */
export function createFailoverCounter(options: FailoverOptions) {
  const { primary, insurance, mode } = options
  let up = true
  let outages = 0
  let degradedRequests = 0
  const insured = new Set<string>()

  function markDown(error: unknown): void {
    if (!up) return
    up = false
    outages += 1
    options.onStateChange(false, error)
  }

  function markUp(): void {
    if (up) return
    up = true
    options.onStateChange(true, null)
  }

  const backend: CounterBackend = {
    name: primary.name,
    settleDelayMs: primary.settleDelayMs,
    async reserve(counters, amounts, at, lease) {
      try {
        const result = await primary.reserve(counters, amounts, at, lease)
        markUp()
        return result
      } catch (error) {
        markDown(error)
        degradedRequests += 1
        if (mode === 'closed') {
          throw new WardenError(
            'service_unavailable',
            'Rate limits cannot be checked right now, so the request was not served. Please try again shortly.',
            { headers: { 'retry-after': '1', 'retry-after-ms': '1000' }, cause: error },
          )
        }
        const result = await insurance.reserve(counters, amounts, at, lease)
        if (result.ok) insured.add(lease)
        return result
      }
    },

    async settle(inputs) {
      // Each settlement goes where its reservation went.
      const mine: SettleInput[] = []
      const theirs: SettleInput[] = []
      for (const input of inputs) (insured.delete(input.lease) ? theirs : mine).push(input)
      // The shared store's call goes first, so it keeps its place ahead of the next reservation.
      const shared =
        mine.length === 0
          ? Promise.resolve()
          : primary.settle(mine).then(
              () => markUp(),
              // The slot's lease runs out in Redis; the tokens' refund is lost with the outage.
              (error: unknown) => markDown(error),
            )
      if (theirs.length > 0) await insurance.settle(theirs)
      await shared
    },

    async peek(counters, at) {
      try {
        return await primary.peek(counters, at)
      } catch (error) {
        markDown(error)
        return insurance.peek(counters, at)
      }
    },

    async close() {
      await primary.close()
      await insurance.close()
    },
  }

  return {
    backend,
    /** The store's client saw its connection go (with the error) or come back (null). */
    connectionChanged: (error: Error | null): void => {
      if (error === null) markUp()
      else markDown(error)
    },
    stats: (): FailoverStats => ({
      mode,
      primary: up ? 'up' : 'down',
      outages,
      degradedRequests,
    }),
  }
}
