/** Something found at a place in a text, with how sure the finder is. */
export interface ScoredSpan {
  readonly start: number
  readonly end: number
  readonly score: number
}

/**
 * One match per stretch of text: where two overlap (a card number that is also a valid phone
 * number somewhere, a key inside a generic `token=` assignment), the surer one stays, and of
 * two equally sure the longer. Sorted by start, in one pass.
 */
export function withoutOverlaps<T extends ScoredSpan>(matches: readonly T[]): T[] {
  const byStart = [...matches].sort((a, b) => a.start - b.start || b.end - a.end)
  const kept: T[] = []
  for (const m of byStart) {
    const last = kept[kept.length - 1]
    // Kept matches never overlap, so only the last can overlap the next one.
    if (last === undefined || last.end <= m.start) kept.push(m)
    else if (isSurer(m, last)) kept[kept.length - 1] = m
  }
  return kept
}

const isSurer = (a: ScoredSpan, b: ScoredSpan): boolean =>
  a.score > b.score || (a.score === b.score && a.end - a.start > b.end - b.start)
