const MINUTE_MS = 60_000

/**
 * Counts per minute over the last `minutes` minutes, in a fixed ring: `width` counters a minute
 * (requests, blocked, …), so memory never grows with traffic. A minute's slot is cleared when a
 * later minute reuses it; a count older than the ring is dropped.
 */
export interface MinuteWindow {
  /** Adds `amount` to counter `index` of the minute `at` falls in. */
  add(at: number, index: number, amount?: number): void
  /** Counter `index` summed over the window ending with the minute of `at`. */
  sum(at: number, index: number): number
  /** Minutes of the window ending with the minute of `at` whose counter `index` is above zero. */
  minutesWith(at: number, index: number): number
}

export function createMinuteWindow(minutes: number, width = 1): MinuteWindow {
  const slots = Math.max(1, Math.trunc(minutes))
  const starts = new Float64Array(slots).fill(-1)
  const counts = new Float64Array(slots * width)

  const minuteIndex = (at: number) => Math.floor(at / MINUTE_MS)
  const slotOf = (minute: number) => ((minute % slots) + slots) % slots
  /** Whether the slot holds a minute inside the window that ends with `last`. */
  const live = (slot: number, last: number) => {
    const start = starts[slot] as number
    return start > last - slots && start <= last
  }

  return {
    add(at, index, amount = 1) {
      const minute = minuteIndex(at)
      const slot = slotOf(minute)
      if (starts[slot] !== minute) {
        // Only a newer minute takes a slot over: a late event of a minute long gone is dropped.
        if ((starts[slot] as number) > minute) return
        starts[slot] = minute
        counts.fill(0, slot * width, slot * width + width)
      }
      counts[slot * width + index] = (counts[slot * width + index] as number) + amount
    },
    sum(at, index) {
      const last = minuteIndex(at)
      let total = 0
      for (let slot = 0; slot < slots; slot += 1) {
        if (live(slot, last)) total += counts[slot * width + index] as number
      }
      return total
    },
    minutesWith(at, index) {
      const last = minuteIndex(at)
      let found = 0
      for (let slot = 0; slot < slots; slot += 1) {
        if (live(slot, last) && (counts[slot * width + index] as number) > 0) found += 1
      }
      return found
    },
  }
}
