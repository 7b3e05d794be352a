/**
 * One counter a request is checked against: a fixed window of requests or tokens (a minute, a
 * UTC day), or the slots of requests in flight.
 */
export interface Counter {
  /** Stable name of the counter; a window's start is added by the backend. */
  readonly key: string
  /** Length of the window, ms, aligned to the Unix epoch (so a day starts at 00:00 UTC); 0 for slots. */
  readonly windowMs: number
  /** The most the window (or the slots) may hold. */
  readonly limit: number
}

/** What a reservation found: each counter's value before it, and whether all of it fitted. */
export interface ReserveResult {
  readonly ok: boolean
  /** Per counter, in order: its value before this reservation (for slots, those in use). */
  readonly before: readonly number[]
}

/** What a request gives back or owes when it settles, per counter of its reservation. */
export interface SettleInput {
  readonly counters: readonly Counter[]
  /** Per counter: tokens to give back (< 0) or to charge beyond the reservation (> 0); 0 for none. */
  readonly deltas: readonly number[]
  /** When the reservation was made (its windows take the refunds), Unix ms. */
  readonly reservedAt: number
  /** Now (the current windows take the charges), Unix ms. */
  readonly at: number
  /** The reservation's lease, whose slots are released. */
  readonly lease: string
}

/**
 * Atomic consumption of several counters at once: all of the amounts fit and are taken, or
 * none is. One implementation per store: memory for one process, Redis for many.
 */
export interface CounterBackend {
  readonly name: 'memory' | 'redis'
  /**
   * How long settlements may wait to go out together, ms: 0 for the end of the event loop's
   * turn. A reservation sends the waiting ones first, in the same write.
   */
  readonly settleDelayMs: number
  /**
   * Takes `amounts[i]` from every `counters[i]` if every one fits under its limit, else nothing.
   * Slot counters take one slot held under `lease` (released by `settle`).
   */
  reserve(
    counters: readonly Counter[],
    amounts: readonly number[],
    at: number,
    lease: string,
  ): Promise<ReserveResult>
  /** Refunds, charges and releases the slots of some reservations, in one call where it can. */
  settle(inputs: readonly SettleInput[]): Promise<void>
  /** The current value of each counter, without changing any. */
  peek(counters: readonly Counter[], at: number): Promise<number[]>
  close(): Promise<void>
}

/** The start of the window `at` falls in. */
export function windowStart(counter: Counter, at: number): number {
  return at - (at % counter.windowMs)
}
