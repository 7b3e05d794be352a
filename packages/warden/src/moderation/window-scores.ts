import { scoresOfSums, sumFeatures, type HashedLinearModel } from './hashed-linear-model.js'
import { featureWords } from './text-features.js'

/**
 * Scores a long text by windows: a short harmful passage in a long benign text would vanish in
 * one score of the whole. The text is cut into chunks of half a window (at a space where one is
 * near); each window is two neighbouring chunks, so windows overlap by half, yet every chunk's
 * features are computed once (a window's feature sums are its chunks' sums added). Each category
 * keeps its highest window and where it was.
 */

/** A stretch of text `[start, end)`, UTF-16 offsets. */
export type Span = readonly [start: number, end: number]

/** A chunk's feature sums per category and how many features it had. */
export interface ChunkSums {
  readonly span: Span
  readonly sums: Int32Array
  readonly count: number
}

/** Per category (model order): the highest window score, and that window. */
export interface WindowScores {
  readonly scores: Float64Array
  readonly starts: Int32Array
  readonly ends: Int32Array
  /** How many windows were scored; 1 when the text fit in one. */
  readonly windows: number
}

/** How far a chunk boundary may move forward to land on a space. */
const SNAP = 32

/**
 * The chunks of a text `length` long: one when it fits in a window, else chunks of half a
 * window. Past `maxChars`, only the first and the last `maxChars / 2` characters are chunked, so
 * the work stays bounded whatever the input; the two parts never share a window.
 */
export function chunksOf(text: string, windowChars: number, maxChars: number): Span[][] {
  if (text.length <= windowChars) return [[[0, text.length]]]
  if (text.length <= maxChars) return [chunksOver(text, 0, text.length, windowChars)]
  const half = Math.floor(maxChars / 2)
  return [
    chunksOver(text, 0, half, windowChars),
    chunksOver(text, text.length - half, text.length, windowChars),
  ]
}

function chunksOver(text: string, from: number, to: number, windowChars: number): Span[] {
  const size = Math.max(1, Math.floor(windowChars / 2))
  const chunks: Span[] = []
  let start = from
  while (start < to) {
    let end = Math.min(to, start + size)
    const space = end < to ? text.indexOf(' ', end) : -1
    if (space >= 0 && space - end <= SNAP && space < to) end = space
    chunks.push([start, end])
    start = end
  }
  return chunks
}

/** Feature sums of one chunk of `text`. */
export function sumChunk(model: HashedLinearModel, text: string, span: Span): ChunkSums {
  const sums = new Int32Array(model.categories.length)
  const count = sumFeatures(model, featureWords(text.slice(span[0], span[1])), sums)
  return { span, sums, count }
}

/** The best window of every category over parts of chunk sums (see {@link chunksOf}). */
export function bestWindows(model: HashedLinearModel, parts: readonly ChunkSums[][]): WindowScores {
  const size = model.categories.length
  const best = {
    scores: new Float64Array(size).fill(-1),
    starts: new Int32Array(size),
    ends: new Int32Array(size),
    windows: 0,
  }
  const sums = new Int32Array(size)
  for (const chunks of parts) {
    const last = Math.max(1, chunks.length - 1)
    for (let k = 0; k < last; k++) {
      const first = chunks[k] as ChunkSums
      const second = chunks[k + 1]
      sums.set(first.sums)
      if (second) second.sums.forEach((sum, c) => (sums[c] = (sums[c] as number) + sum))
      const scores = scoresOfSums(model, sums, first.count + (second?.count ?? 0))
      keepBest(best, scores, [first.span[0], (second ?? first).span[1]])
      best.windows++
    }
  }
  return best
}

function keepBest(
  best: { scores: Float64Array; starts: Int32Array; ends: Int32Array },
  scores: Float64Array,
  [start, end]: Span,
): void {
  scores.forEach((score, c) => {
    if (score <= (best.scores[c] as number)) return
    best.scores[c] = score
    best.starts[c] = start
    best.ends[c] = end
  })
}
