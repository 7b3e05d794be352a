import {
  applyGates,
  scoreSumsInto,
  sumFeatures,
  type HashedLinearModel,
} from './hashed-linear-model.js'
import { featureWords } from './text-features.js'
import type { WindowScores } from './window-scores.js'

/**
 * The text harm classifier's second stage. The first linear model sees "kill" far more often in
 * harmful requests than in benign ones, and flags "how do I kill a stuck process" with "how do I
 * kill my neighbour". The second was trained only on each category's positives and on the
 * negatives the first scores high or that were written to look harmful, so the verb tells it
 * little and its object and context tell it much. A category is flagged when both agree. How
 * harmful a text is stays the first stage's call: where the second agrees (its score reaches the
 * category's operating score), the category's score is the first stage's, so the default
 * policy's stricter production thresholds keep their meaning; where it does not, the smaller of
 * the two.
 */

/**
 * Below this first-stage score a category's second stage is not run: its score is at most this
 * whatever the second says (findings start at 0.1). Benign texts rarely reach it, so they
 * pay nothing for the second stage.
 */
export const SECOND_STAGE_FROM = 0.05

/** The second stage as a model of its own (same features, no gates), or undefined if none. */
export function secondStageOf(model: HashedLinearModel): HashedLinearModel | undefined {
  const { second, ...first } = model
  if (!second) return undefined
  return { ...first, ...second, gates: first.gates.map(() => []) }
}

/**
 * Applies the second stage to a text's first-stage window scores: each category scoring at least
 * {@link SECOND_STAGE_FROM} is scored again by the second stage on the window the first scored
 * highest, and keeps the first stage's score if the second agrees (reaches the model's operating
 * score for it), else the smaller of the two (always, in a file without operating scores). A gated
 * category (`sexual_minors`) is not: its gates are
 * its second condition, and are applied again to the rescored categories that gate it (its own
 * second stage, trained on about a hundred positives, kept half as many of the held-out ones).
 */
export function applySecondStage(
  model: HashedLinearModel,
  text: string,
  first: WindowScores,
): WindowScores {
  const stage = secondStageOf(model)
  if (!stage) return first
  const scores = Float64Array.from(first.scores)
  const bySpan = new Map<string, Float64Array>()
  scores.forEach((score, c) => {
    if (score < SECOND_STAGE_FROM || isGated(model, c)) return
    const window = windowText(text, first, c)
    let second = bySpan.get(window)
    if (second === undefined) {
      second = secondStageScores(stage, window, first.windows > 1)
      bySpan.set(window, second)
    }
    const verdict = second[c] as number
    const agree = model.operating?.[c]
    scores[c] = agree !== undefined && verdict >= agree ? score : Math.min(score, verdict)
  })
  applyGates(model, scores)
  return { ...first, scores }
}

/** Whether category `c`'s score is capped by others' (see `HashedLinearModel.gates`). */
export const isGated = (model: HashedLinearModel, c: number): boolean =>
  (model.gates[c]?.length ?? 0) > 0

/**
 * Every category's second-stage score of the window the first stage chose: per category, the
 * highest of the whole window and of each of its pieces. The pieces of a window of a long text are
 * its sentences: the first stage found the window because of one sentence in it, and read with
 * the benign sentences around it, the second would let it pass (a self-harm question after a
 * paragraph about delivery fees scored 0.12 instead of 0.9). A short text's pieces are its lines,
 * so that a system prompt joined before a user's message cannot hide it; within a line, a short
 * text is read whole, since its own context is what tells "how do I kill it" apart.
 */
export function secondStageScores(
  stage: HashedLinearModel,
  window: string,
  long: boolean,
): Float64Array {
  const best = scoreWindow(stage, window)
  for (const piece of window.split(long ? SENTENCE_END : LINE_END)) {
    if (piece.length === window.length || piece.trim() === '') continue
    scoreWindow(stage, piece).forEach((score, c) => (best[c] = Math.max(best[c] as number, score)))
  }
  return best
}

/** The end of a sentence inside a window: its punctuation or line break and the space after it. */
const SENTENCE_END = /(?<=[.!?;\n])\s+/
/** A line break, with the space around it. */
const LINE_END = /\s*\n\s*/

/** The text of the window in which category `c` scored highest. */
export const windowText = (text: string, scores: WindowScores, c: number): string =>
  text.slice(scores.starts[c], scores.ends[c])

/** Every category's score of one window by `stage` (a model without gates). */
export function scoreWindow(stage: HashedLinearModel, window: string): Float64Array {
  const sums = new Int32Array(stage.categories.length)
  const count = sumFeatures(stage, featureWords(window), sums)
  return scoresOf(stage, sums, count)
}

function scoresOf(stage: HashedLinearModel, sums: Int32Array, count: number): Float64Array {
  const out = new Float64Array(sums.length)
  scoreSumsInto(stage, sums, count, out)
  return out
}
