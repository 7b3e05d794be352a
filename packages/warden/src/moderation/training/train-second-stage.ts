import { TEXT_HARM_CATEGORIES } from '../harm-categories.js'
import type { HashedLinearModel, LinearStage } from '../hashed-linear-model.js'
import { isGated, secondStageOf, secondStageScores, windowText } from '../text-harm-second-stage.js'
import { labelVector, quantize } from './harm-weights.js'
import {
  operatingScore,
  outOfFoldFigures,
  secondStagePoints,
  type Scored,
} from './second-stage-points.js'
import type { HarmTrainingOptions, OutOfFold } from './train-harm-model.js'
import { toExample, trainLinear, type TrainingExample } from './train-linear.js'

/**
 * Trains the second stage (`text-harm-second-stage.ts`) of a calibrated first-stage model.
 *
 * It learns, per category, from the category's positives and from the negatives that are hard:
 * those the first stage scores at least `floor` out of fold, and every written case (they were
 * written to sound harmful). Easy negatives teach it nothing, so a word seen in both positives
 * and hard negatives ("kill", "shoot") weighs little and what it acts on weighs much. A gated
 * category (`sexual_minors`) learns nothing: its gates are its second condition.
 *
 * Its thresholds are set, like the first stage's, on scores out of fold: a second stage per fold,
 * trained without it, scores the fold's texts on the windows that fold's first stage chose
 * (`second-stage-points.ts` says how). From its threshold up the second stage agrees with the
 * first, and the category's score is the first stage's; below it, the smaller of the two.
 */
export function trainSecondStage(
  first: HashedLinearModel,
  foldFirsts: readonly HashedLinearModel[],
  outOfFold: readonly OutOfFold[],
  options: HarmTrainingOptions,
): HashedLinearModel {
  const examples = outOfFold.map((o) => hardExample(first, o, options))
  const scored: Scored[] = []
  foldFirsts.forEach((foldFirst, k) => {
    const raw = trainRaw(
      examples.filter((e, i): e is TrainingExample => e !== null && outOfFold[i]?.fold !== k),
      options,
    )
    const stage = secondStageOf({ ...foldFirst, second: raw }) as HashedLinearModel
    for (const o of outOfFold) {
      if (o.fold === k && o.first.scores.some((s) => s >= options.second.floor)) {
        scored.push({ ...o, logits: secondLogits(first, stage, o) })
      }
    }
  })
  const points = secondStagePoints(first, outOfFold, scored, options)
  const raw = trainRaw(
    examples.filter((e): e is TrainingExample => e !== null),
    options,
  )
  const scales = Float32Array.from(raw.scales)
  const biases = Float32Array.from(raw.biases)
  first.categories.forEach((category, c) => {
    const point = points[category]
    if (point === undefined) return // gated: not rescored, its gates are its second condition
    scales[c] = point.slope * (raw.scales[c] as number)
    biases[c] =
      point.slope * ((raw.biases[c] as number) - point.threshold) +
      logitOf(operatingScore(options, category))
  })
  const second: LinearStage = { weights: raw.weights, scales, biases }
  const figures = outOfFoldFigures(first, points, outOfFold, scored, options)
  return { ...first, second, about: { ...first.about, secondStage: points, outOfFold: figures } }
}

const logitOf = (p: number): number => Math.log(p / (1 - p))

function trainRaw(
  examples: readonly TrainingExample[],
  options: HarmTrainingOptions,
): HashedLinearModel {
  const trained = trainLinear(examples, TEXT_HARM_CATEGORIES.length, {
    ...options,
    positiveShare: options.second.positiveShare,
  })
  return quantize(trained, options.bits, {})
}

/**
 * A text as the second stage learns from it: per category 1 for a positive, 0 for a hard
 * negative, -1 (learns nothing) otherwise and for a gated category; null when the text teaches
 * no category.
 */
function hardExample(
  first: HashedLinearModel,
  { text, first: scores }: OutOfFold,
  options: HarmTrainingOptions,
): TrainingExample | null {
  const written = text.item.source === 'written'
  const hard = (label: number, c: number): boolean =>
    !isGated(first, c) &&
    (label === 1 ||
      (label === 0 && (written || (scores.scores[c] as number) >= options.second.floor)))
  const labels = Int8Array.from(labelVector(text.item), (label, c) => (hard(label, c) ? label : -1))
  if (!labels.some((label) => label >= 0)) return null
  return toExample(text.words, labels, text.item.weight, options.bits)
}

/** Every rescored category's second-stage logit, on the window the first stage chose for it. */
function secondLogits(
  first: HashedLinearModel,
  stage: HashedLinearModel,
  { text, first: scores }: OutOfFold,
): Float64Array {
  const logits = new Float64Array(first.categories.length)
  const byWindow = new Map<string, Float64Array>()
  first.categories.forEach((_, c) => {
    if (isGated(first, c)) return
    const window = windowText(text.item.text, scores, c)
    let second = byWindow.get(window)
    if (second === undefined) {
      second = secondStageScores(stage, window, scores.windows > 1)
      byWindow.set(window, second)
    }
    const p = second[c] as number
    logits[c] = Math.log(Math.max(1e-12, p) / Math.max(1e-12, 1 - p))
  })
  return logits
}
