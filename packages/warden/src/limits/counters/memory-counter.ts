import {
  windowStart,
  type Counter,
  type CounterBackend,
  type SettleInput,
} from '../counter-backend.js'

/** One counter's state: the window it counts (0 for slots) and how much it holds. */
interface Cell {
  window: number
  value: number
}

/** Cells idle this long are dropped, so keys that stop calling do not stay in memory. */
const IDLE_MS = 2 * 86_400_000

export interface MemoryCounterOptions {
  /** How often idle cells are looked for, ms. */
  readonly sweepEveryMs?: number
  /** How long after its window's start a cell is dropped, ms (default two days). */
  readonly idleMs?: number
}

/**
 * Counters in this process's memory: the default, and the insurance when Redis is away. One
 * thread runs a reservation from its first check to its last write, so it is atomic as it is.
 */
export function createMemoryCounter(options: MemoryCounterOptions = {}) {
  const idleMs = options.idleMs ?? IDLE_MS
  const cells = new Map<string, Cell>()

  /** The cell of `counter` for the window `at` falls in; a new window starts at zero. */
  function cellAt(counter: Counter, at: number): Cell {
    const window = counter.windowMs === 0 ? 0 : windowStart(counter, at)
    let cell = cells.get(counter.key)
    if (cell === undefined) {
      cell = { window, value: 0 }
      cells.set(counter.key, cell)
    } else if (cell.window !== window && counter.windowMs !== 0) {
      cell.window = window
      cell.value = 0
    }
    return cell
  }

  function valueAt(counter: Counter, at: number): number {
    const cell = cells.get(counter.key)
    if (cell === undefined) return 0
    return counter.windowMs !== 0 && cell.window !== windowStart(counter, at) ? 0 : cell.value
  }

  let lastSweep = 0
  function sweep(at: number): void {
    if (at - lastSweep < (options.sweepEveryMs ?? 600_000)) return
    lastSweep = at
    for (const [key, cell] of cells) {
      if (cell.value === 0 || (cell.window !== 0 && at - cell.window > idleMs)) cells.delete(key)
    }
  }

  const backend: CounterBackend = {
    name: 'memory',
    settleDelayMs: 0,
    reserve(counters, amounts, at) {
      sweep(at)
      const before = new Array<number>(counters.length)
      let ok = true
      for (let i = 0; i < counters.length; i += 1) {
        const counter = counters[i] as Counter
        const value = valueAt(counter, at)
        before[i] = value
        if (value + (amounts[i] as number) > counter.limit) ok = false
      }
      if (ok) {
        for (let i = 0; i < counters.length; i += 1) {
          cellAt(counters[i] as Counter, at).value += amounts[i] as number
        }
      }
      return Promise.resolve({ ok, before })
    },

    settle(inputs) {
      for (const input of inputs) settleOne(input)
      return Promise.resolve()
    },

    peek(counters, at) {
      return Promise.resolve(counters.map((counter) => valueAt(counter, at)))
    },

    close: () => Promise.resolve(),
  }

  function settleOne(input: SettleInput): void {
    const { counters, deltas, reservedAt, at } = input
    for (let i = 0; i < counters.length; i += 1) {
      const counter = counters[i] as Counter
      const delta = deltas[i] as number
      if (counter.windowMs === 0) {
        const cell = cells.get(counter.key)
        if (cell !== undefined) cell.value = Math.max(0, cell.value - 1)
      } else if (delta > 0) {
        cellAt(counter, at).value += delta
      } else if (delta < 0) {
        // A refund goes back to the window the reservation took it from, if that is still open.
        const cell = cells.get(counter.key)
        if (cell !== undefined && cell.window === windowStart(counter, reservedAt)) {
          cell.value = Math.max(0, cell.value + delta)
        }
      }
    }
  }
  return backend
}
