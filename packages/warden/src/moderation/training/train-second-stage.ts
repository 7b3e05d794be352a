import { TEXT_HARM_CATEGORIES, type TextHarmCategory } from '../harm-categories.js'
import type { HashedLinearModel, LinearStage } from '../hashed-linear-model.js'
import { scoreText } from '../text-harm-classifier.js'
import { isGated, secondStageOf, secondStageScores, windowText } from '../text-harm-second-stage.js'
import type { WindowScores } from '../window-scores.js'
import { fitPlatt } from './calibrate.js'
import { isBenign } from './labeled-text.js'
import type { HarmTrainingOptions, PreparedText } from './train-harm-model.js'
import { labelVector, quantize } from './harm-weights.js'
import { toExample, trainLinear } from './train-linear.js'

/**
 * Trains the second stage (`text-harm-second-stage.ts`) of a calibrated first-stage model.
 *
 * It learns, per category, from the category's positives of the train split and from the
 * negatives that are hard: those the first stage scores at least `floor`, and every written
 * case (they were written to sound harmful). Easy negatives teach it nothing, so a word seen in
 * both positives and hard negatives ("kill", "shoot") weighs little and what it acts on weighs
 * much. A gated category (`sexual_minors`) learns nothing: its gates are its second condition.
 * On the validation split each threshold is set so that it keeps `keep` of the positives the
 * first stage flags, and flags at most `lookAlikeFlagRate` of the written benign look-alikes;
 * above it, the slope is Platt's on the hard validation texts.
 */
export function trainSecondStage(
  first: HashedLinearModel,
  texts: readonly PreparedText[],
  options: HarmTrainingOptions,
): HashedLinearModel {
  const ungated = { ...first, gates: first.gates.map(() => []) }
  const train = texts.filter((t) => t.split === 'train')
  const examples = train.flatMap((t) => {
    const scores = scoreText(ungated, t.item.text).scores
    const labels = hardLabels(first, t, scores, options.second.floor)
    return labels ? [toExample(t.words, labels, t.item.weight, options.bits)] : []
  })
  const trained = trainLinear(examples, TEXT_HARM_CATEGORIES.length, {
    ...options,
    positiveShare: options.second.positiveShare,
  })
  const raw = quantize(trained, options.bits, {})
  const validation = texts.filter((t) => t.split === 'validation')
  return calibrateSecondStage(first, raw, validation, options)
}

/**
 * Per category: 1 for a positive, 0 for a hard negative, -1 (learns nothing) otherwise and for a
 * gated category; null when the text teaches no category.
 */
function hardLabels(
  first: HashedLinearModel,
  t: PreparedText,
  scores: Float64Array,
  floor: number,
): Int8Array | null {
  const written = t.item.source === 'written'
  const hard = (label: number, c: number): boolean =>
    !isGated(first, c) &&
    (label === 1 || (label === 0 && (written || (scores[c] as number) >= floor)))
  const labels = Int8Array.from(labelVector(t.item), (label, c) => (hard(label, c) ? label : -1))
  return labels.some((label) => label >= 0) ? labels : null
}

/** A validation text as both stages see it: first-stage scores and second-stage raw logits. */
interface Scored {
  readonly text: PreparedText
  readonly first: WindowScores
  readonly logits: Float64Array
}

function calibrateSecondStage(
  first: HashedLinearModel,
  raw: HashedLinearModel,
  validation: readonly PreparedText[],
  options: HarmTrainingOptions,
): HashedLinearModel {
  const ungated = { ...first, gates: first.gates.map(() => []) }
  const stage = secondStageOf({ ...first, second: raw }) as HashedLinearModel
  const scored: Scored[] = validation.map((text) => {
    const scores = scoreText(ungated, text.item.text)
    const logits = new Float64Array(first.categories.length)
    first.categories.forEach((_, c) => {
      const window = windowText(text.item.text, scores, c)
      const p = secondStageScores(stage, window, scores.windows > 1)[c] as number
      logits[c] = Math.log(Math.max(1e-12, p) / Math.max(1e-12, 1 - p))
    })
    return { text, first: scores, logits }
  })
  const scales = Float32Array.from(raw.scales)
  const biases = Float32Array.from(raw.biases)
  const points: Record<string, { slope: number; threshold: number }> = {}
  first.categories.forEach((category, c) => {
    if (isGated(first, c)) return // not rescored: its gates are its second condition
    const score = options.operatingScores[category as TextHarmCategory] ?? 0.5
    const { slope, threshold } = secondStagePoint(scored, c, score, options)
    points[category] = { slope, threshold }
    scales[c] = slope * (raw.scales[c] as number)
    biases[c] = slope * ((raw.biases[c] as number) - threshold) + Math.log(score / (1 - score))
  })
  const second: LinearStage = { weights: raw.weights, scales, biases }
  return { ...first, second, about: { ...first.about, secondStage: points } }
}

/** Bounds on the second stage's calibrated slope, as for the first. */
const MIN_SLOPE = 0.25
const MAX_SLOPE = 4

/**
 * The second stage's threshold for category `c` (keeping `keep` of the positives the first stage
 * flags at its operating `score`, or flagging at most `lookAlikeFlagRate` of the written benign
 * look-alikes, whichever is stricter) and its Platt slope on the texts it would be run on.
 */
function secondStagePoint(
  scored: readonly Scored[],
  c: number,
  score: number,
  { second }: HarmTrainingOptions,
): { slope: number; threshold: number } {
  const labelOf = (s: Scored): number | undefined => labelVector(s.text.item)[c]
  const flagged = scored
    .filter((s) => labelOf(s) === 1 && (s.first.scores[c] as number) >= score)
    .map((s) => s.logits[c] as number)
    .sort((a, b) => a - b)
  // Never stricter than the stage's own boundary (logit 0, where its balanced weights make a
  // positive and a hard negative equally likely): a few validation positives cannot raise it.
  const kept = Math.min(0, flagged[Math.floor((1 - second.keep) * flagged.length)] ?? 0)
  const threshold = Math.max(kept, lookAlikeThreshold(scored, c, score, second.lookAlikeFlagRate))
  const hard = scored.filter((s) => {
    const label = labelOf(s)
    return (label === 0 || label === 1) && (s.first.scores[c] as number) >= second.floor
  })
  const platt = fitPlatt(
    hard.map((s) => s.logits[c] as number),
    hard.map((s) => (labelOf(s) === 1 ? 1 : 0)),
  )
  return { slope: Math.min(MAX_SLOPE, Math.max(MIN_SLOPE, platt.a)), threshold }
}

/**
 * The lowest second-stage threshold at which category `c` flags at most `rate` of the written
 * benign look-alikes of the validation split ("how do I kill a stuck process"): those are the
 * texts the goal is about, and the public benign sets hold almost none of them.
 */
function lookAlikeThreshold(
  scored: readonly Scored[],
  c: number,
  score: number,
  rate: number,
): number {
  const lookAlikes = scored.filter((s) => s.text.item.source === 'written' && isBenign(s.text.item))
  const allowed = Math.floor(rate * lookAlikes.length)
  const passing = lookAlikes
    .filter((s) => (s.first.scores[c] as number) >= score)
    .map((s) => s.logits[c] as number)
    .sort((a, b) => b - a)
  const above = passing[allowed]
  return above === undefined ? Number.NEGATIVE_INFINITY : above + 1e-6
}
