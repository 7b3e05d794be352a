import { scoreWords, type HashedLinearModel } from './hashed-linear-model.js'
import { featureWords } from './text-features.js'

/**
 * Scores a long text by windows: a short harmful passage in a long benign text would vanish in
 * one score of the whole. Windows of at most `windowChars` overlap by half; each category keeps
 * its highest window and where it was.
 */
export interface WindowScores {
  /** Per category (model order): the highest score of any window so far. */
  readonly scores: Float64Array
  /** Per category: the window that scored it (UTF-16 offsets, end exclusive). */
  readonly starts: Int32Array
  readonly ends: Int32Array
  /** How many windows were scored. */
  windows: number
}

/** A stretch of text `[start, end)`. */
export type Window = readonly [start: number, end: number]

/** Empty scores for a model's categories. */
export function emptyWindowScores(model: HashedLinearModel): WindowScores {
  const size = model.categories.length
  return {
    scores: new Float64Array(size),
    starts: new Int32Array(size),
    ends: new Int32Array(size),
    windows: 0,
  }
}

/**
 * The windows over a text `length` long: one when it fits, else windows of `windowChars`
 * overlapping by half. Past `maxChars`, only the first and the last `maxChars / 2` characters are
 * covered, so the work stays bounded whatever the input.
 */
export function windowsOf(length: number, windowChars: number, maxChars: number): Window[] {
  if (length <= maxChars) return windowsOver(0, length, windowChars)
  const half = Math.floor(maxChars / 2)
  return [...windowsOver(0, half, windowChars), ...windowsOver(length - half, length, windowChars)]
}

function windowsOver(from: number, to: number, windowChars: number): Window[] {
  const stride = Math.max(1, Math.floor(windowChars / 2))
  const windows: Window[] = []
  for (let start = from; ; start += stride) {
    const end = Math.min(to, start + windowChars)
    windows.push([start, end])
    if (end >= to) return windows
  }
}

/** Scores each window of `text` into `into`, keeping each category's highest. */
export function scoreWindows(
  model: HashedLinearModel,
  text: string,
  windows: readonly Window[],
  into: WindowScores,
): void {
  for (const [start, end] of windows) {
    const scores = scoreWords(model, featureWords(text.slice(start, end)))
    const first = into.windows === 0
    into.windows++
    scores.forEach((score, c) => {
      if (!first && score <= (into.scores[c] as number)) return
      into.scores[c] = score
      into.starts[c] = start
      into.ends[c] = end
    })
  }
}
