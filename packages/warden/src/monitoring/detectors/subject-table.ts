/**
 * Per-subject state with bounded memory: at most `maxSubjects` entries, the least recently seen
 * evicted first, and entries idle for `idleMs` (by the detector's clock) dropped as the clock
 * moves. A Map keeps insertion order, and a touched entry is moved to its end, so both the
 * oldest and the idlest entry are at its front: each touch costs O(1), amortized.
 */
export interface SubjectTable<T> {
  /** The state of `id`, created when missing, marked as seen at `at`. */
  touch(id: string, at: number): T
  get(id: string): T | undefined
  size(): number
  /** Every entry, oldest first. */
  entries(): IterableIterator<[string, T]>
}

export function createSubjectTable<T>(options: {
  readonly maxSubjects: number
  readonly idleMs: number
  readonly create: (id: string, at: number) => T
}): SubjectTable<T> {
  const entries = new Map<string, { state: T; seen: number }>()
  let clock = 0

  function evict(): void {
    for (const [id, entry] of entries) {
      if (entries.size > options.maxSubjects || entry.seen < clock - options.idleMs) {
        entries.delete(id)
      } else {
        return
      }
    }
  }

  return {
    touch(id, at) {
      if (at > clock) clock = at
      let entry = entries.get(id)
      if (entry === undefined) {
        entry = { state: options.create(id, at), seen: at }
      } else {
        entries.delete(id)
        if (at > entry.seen) entry.seen = at
      }
      entries.set(id, entry)
      evict()
      return entry.state
    },
    get: (id) => entries.get(id)?.state,
    size: () => entries.size,
    *entries() {
      for (const [id, entry] of entries) yield [id, entry.state]
    },
  }
}
