import {
  scoreSumsInto,
  sumFeatures,
  type HashedLinearModel,
  type WordSums,
} from './hashed-linear-model.js'
import { featureWordsOfEach } from './text-features.js'

/**
 * Scores a long text by windows: a short harmful passage in a long benign text would vanish in
 * one score of the whole. The text is cut into chunks of at most half a window, ending at a
 * sentence's end where one is in the second half of the chunk, else at a space; each chunk is a
 * window, and so is each pair of neighbouring chunks. Every chunk's features are computed once
 * (a pair's feature sums are its chunks' sums added). Each category keeps its highest window and
 * where it was.
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

/** The end of a sentence: its punctuation and the space or line break after it. */
const SENTENCE_END = /[.!?;:\n]["')\]]*\s/g

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
  const size = Math.max(2, Math.floor(windowChars / 2))
  const chunks: Span[] = []
  for (let start = from; start < to;) {
    const end = start + size >= to ? to : chunkEnd(text, start, start + size)
    chunks.push([start, end])
    start = end
  }
  return chunks
}

/** Where a chunk from `start` ends, at most at `limit`: a sentence's end, else a space. */
function chunkEnd(text: string, start: number, limit: number): number {
  const half = start + Math.floor((limit - start) / 2)
  let end = -1
  SENTENCE_END.lastIndex = half
  for (let m = SENTENCE_END.exec(text); m && m.index + m[0].length <= limit;) {
    end = m.index + m[0].length
    m = SENTENCE_END.exec(text)
  }
  if (end > start) return end
  const space = text.lastIndexOf(' ', limit)
  return space > half ? space + 1 : limit
}

/**
 * Feature sums of chunks of `text`, normalised in one pass; `cache` is shared by all the chunks
 * of one text.
 */
export function sumChunks(
  model: HashedLinearModel,
  text: string,
  spans: readonly Span[],
  cache: WordSums,
): ChunkSums[] {
  const words = featureWordsOfEach(spans.map(([start, end]) => text.slice(start, end)))
  return spans.map((span, i) => {
    const sums = new Int32Array(model.categories.length)
    const count = sumFeatures(model, words[i] ?? [], sums, cache)
    return { span, sums, count }
  })
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
  const scores = new Float64Array(size)
  for (const chunks of parts) {
    chunks.forEach((chunk, k) => {
      scoreSumsInto(model, chunk.sums, chunk.count, scores)
      keepBest(best, scores, chunk.span[0], chunk.span[1])
      best.windows++
      const next = chunks[k + 1]
      if (!next) return
      for (let c = 0; c < size; c++) sums[c] = (chunk.sums[c] as number) + (next.sums[c] as number)
      scoreSumsInto(model, sums, chunk.count + next.count, scores)
      keepBest(best, scores, chunk.span[0], next.span[1])
      best.windows++
    })
  }
  return best
}

function keepBest(
  best: { scores: Float64Array; starts: Int32Array; ends: Int32Array },
  scores: Float64Array,
  start: number,
  end: number,
): void {
  for (let c = 0; c < scores.length; c++) {
    const score = scores[c] as number
    if (score <= (best.scores[c] as number)) continue
    best.scores[c] = score
    best.starts[c] = start
    best.ends[c] = end
  }
}
