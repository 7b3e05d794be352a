import { TEXT_HARM_CATEGORIES, type TextHarmCategory } from '../harm-categories.js'
import type { HashedLinearModel } from '../hashed-linear-model.js'
import { scoreText } from '../text-harm-classifier.js'
import { featureWords } from '../text-features.js'
import { fitPlatt } from './calibrate.js'
import { isBenign, splitOf, type LabeledText, type Split } from './labeled-text.js'
import { labelVector, quantize } from './harm-weights.js'
import { toExample, trainLinear, type TrainOptions } from './train-linear.js'
import { trainSecondStage } from './train-second-stage.js'

/** How the harm model is trained and where its operating points are set. */
export interface HarmTrainingOptions extends TrainOptions {
  /** Per category: the share of benign validation texts scoring at its operating score or more. */
  readonly benignFlagRate: number
  /** The score each category's operating point is given (default 0.5). */
  readonly operatingScores: Readonly<Partial<Record<TextHarmCategory, number>>>
  /** The second stage (`train-second-stage.ts`). */
  readonly second: {
    /** Negatives the first stage scores at least this (calibrated) are hard: it learns from them. */
    readonly floor: number
    /** The share of the positives flagged by the first stage on validation that it keeps. */
    readonly keep: number
    /** Its positives of each category weigh this share of its negatives. */
    readonly positiveShare: number
    /** Per category, at most this share of the written benign validation cases is flagged. */
    readonly lookAlikeFlagRate: number
  }
}

/** The options `npm run train:classifier` uses: the committed weights come from these. */
export const HARM_TRAINING_OPTIONS: HarmTrainingOptions = {
  bits: 17,
  epochs: 10,
  learningRate: 0.1,
  l2: 0.02,
  positiveShare: 0.2,
  seed: 20261202,
  benignFlagRate: 0.005,
  // The default policy's sandbox thresholds, where they are not 0.5: decisions key on them, so a
  // category's operating point is placed at its threshold (a test checks the two agree).
  operatingScores: { sexual_minors: 0.2, weapons: 0.3 },
  second: { floor: 0.05, keep: 0.8, positiveShare: 0.5, lookAlikeFlagRate: 0.005 },
}

/** A labeled text with its split and its words, featurised once. */
export interface PreparedText {
  readonly item: LabeledText
  /** `unseen` for texts kept out of training whole, else the split of its group. */
  readonly split: Split | 'unseen'
  readonly words: readonly string[]
}

/** Assigns splits and reads each text's words. */
export function prepareTexts(items: readonly LabeledText[]): PreparedText[] {
  return items.map((item) => ({
    item,
    split: item.unseen ? 'unseen' : splitOf(item.group),
    words: featureWords(item.text),
  }))
}

/**
 * Trains on the `train` split, calibrates each category on the `validation` split (Platt
 * scaling, positives and negatives weighted equally) and quantizes the weights to int8; then
 * trains and calibrates the second stage the same way (`train-second-stage.ts`).
 */
export function trainHarmModel(
  texts: readonly PreparedText[],
  options: HarmTrainingOptions = HARM_TRAINING_OPTIONS,
  about: Record<string, unknown> = {},
): HashedLinearModel {
  const categories = TEXT_HARM_CATEGORIES.length
  const examples = texts
    .filter((t) => t.split === 'train')
    .map((t) => toExample(t.words, labelVector(t.item), t.item.weight, options.bits))
  const trained = trainLinear(examples, categories, options)
  const raw = quantize(trained, options.bits, about)
  const validation = texts.filter((t) => t.split === 'validation')
  return trainSecondStage(calibrate(raw, validation, options), texts, options)
}

/** Bounds on the calibrated slope: a category with few validation texts cannot make it extreme. */
const MIN_SLOPE = 0.25
const MAX_SLOPE = 4

/**
 * Sets each category's operating point: its operating score (0.5 unless given) is where
 * `benignFlagRate` of the benign validation texts score higher, and the slope is Platt's
 * (positives and negatives weighted equally), so that stricter thresholds trade recall for
 * precision smoothly.
 */
function calibrate(
  model: HashedLinearModel,
  validation: readonly PreparedText[],
  { benignFlagRate, operatingScores }: HarmTrainingOptions,
): HashedLinearModel {
  const logits = validation.map((t) => windowLogits(model, t.item.text))
  const scales = Float32Array.from(model.scales)
  const biases = Float32Array.from(model.biases)
  const points: Record<string, { slope: number; threshold: number; score: number }> = {}
  model.categories.forEach((category, c) => {
    const known = validation.flatMap((t, i): { z: number; label: 0 | 1 }[] => {
      const label = labelVector(t.item)[c]
      return label === 0 || label === 1 ? [{ z: logits[i]?.[c] ?? 0, label }] : []
    })
    const platt = fitPlatt(
      known.map((k) => k.z),
      known.map((k) => k.label),
    )
    const slope = Math.min(MAX_SLOPE, Math.max(MIN_SLOPE, platt.a))
    const benign = validation.flatMap((t, i) => (isBenign(t.item) ? [logits[i]?.[c] ?? 0] : []))
    const threshold = quantile(benign, 1 - benignFlagRate)
    const score = operatingScores[category as TextHarmCategory] ?? 0.5
    points[category] = { slope, threshold, score }
    scales[c] = slope * (model.scales[c] as number)
    biases[c] = slope * ((model.biases[c] as number) - threshold) + Math.log(score / (1 - score))
  })
  return { ...model, scales, biases, about: { ...model.about, operatingPoints: points } }
}

/**
 * Per category, the logit of the text's highest window, as the classifier scores it (a long
 * benign text has more chances to score high than one of its windows alone). Gates are left out:
 * each category is calibrated on its own.
 */
function windowLogits(model: HashedLinearModel, text: string): Float64Array {
  const ungated = { ...model, gates: model.gates.map(() => []) }
  const { scores } = scoreText(ungated, text)
  return scores.map((score) => {
    const p = Math.min(1 - 1e-12, Math.max(1e-12, score))
    return Math.log(p / (1 - p))
  })
}

/** The value below which a share `q` of `values` lies. */
function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number
}
