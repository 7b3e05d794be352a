import { TEXT_HARM_CATEGORIES, type TextHarmCategory } from '../harm-categories.js'
import type { HashedLinearModel } from '../hashed-linear-model.js'
import { scoreText } from '../text-harm-classifier.js'
import { featureWords } from '../text-features.js'
import type { WindowScores } from '../window-scores.js'
import { fitPlatt } from './calibrate.js'
import { foldOf, isBenign, splitOf, type LabeledText, type Split } from './labeled-text.js'
import { labelVector, quantize } from './harm-weights.js'
import { toExample, trainLinear, type TrainOptions, type TrainingExample } from './train-linear.js'
import { trainSecondStage } from './train-second-stage.js'

/** How the harm model is trained and where its operating points are set. */
export interface HarmTrainingOptions extends TrainOptions {
  /**
   * The train split is cut into this many folds by a hash of each text's group; every text is
   * scored by models trained without its fold, and the operating points are set on those scores.
   */
  readonly folds: number
  /** Per category: the share of benign texts scoring at its operating score or more. */
  readonly benignFlagRate: number
  /** The score each category's operating point is given (default 0.5). */
  readonly operatingScores: Readonly<Partial<Record<TextHarmCategory, number>>>
  /** The second stage (`train-second-stage.ts`). */
  readonly second: {
    /** Negatives the first stage scores at least this (calibrated) are hard: it learns from them. */
    readonly floor: number
    /** The share of the positives flagged by the first stage that it keeps. */
    readonly keep: number
    /** Its positives of each category weigh this share of its negatives. */
    readonly positiveShare: number
    /** At most this share of the written benign cases is flagged in any category. */
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
  folds: 5,
  benignFlagRate: 0.005,
  // The default policy's sandbox thresholds, where they are not 0.5: decisions key on them, so a
  // category's operating point is placed at its threshold (a test checks the two agree).
  operatingScores: { sexual_minors: 0.2, weapons: 0.3 },
  second: {
    floor: 0.05,
    keep: 0.8,
    positiveShare: 0.5,
    lookAlikeFlagRate: 0.0125,
  },
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
 * A text of the train split as a model trained without its fold scores it: the fold, and the
 * first stage's best window per category with its (calibrated, ungated) scores.
 */
export interface OutOfFold {
  readonly text: PreparedText
  readonly fold: number
  readonly first: WindowScores
}

/**
 * Trains on the `train` split and sets the operating points on scores out of fold: each of
 * `folds` first stages is trained without one fold and scores it, each category is calibrated on
 * those scores (its threshold where `benignFlagRate` of the benign texts score higher, its slope
 * Platt's, positives and negatives weighted equally), and the first stage trained on the whole
 * split gets those points, its weights quantized to int8. The second stage is trained and
 * calibrated the same way (`train-second-stage.ts`). Every text is scored by a model that never
 * saw it, so thousands of texts place the points, not the tenth of them a validation split had.
 */
export function trainHarmModel(
  texts: readonly PreparedText[],
  options: HarmTrainingOptions = HARM_TRAINING_OPTIONS,
  about: Record<string, unknown> = {},
): HashedLinearModel {
  const pool = texts.filter((t) => t.split === 'train')
  const examples = pool.map((t) =>
    toExample(t.words, labelVector(t.item), t.item.weight, options.bits),
  )
  const folds = pool.map((t) => foldOf(t.item.group, options.folds))
  const foldModels: HashedLinearModel[] = []
  const windows = new Array<WindowScores>(pool.length)
  for (let k = 0; k < options.folds; k++) {
    const raw = trainFirstStage(
      examples.filter((_, i) => folds[i] !== k),
      options,
      {},
    )
    foldModels.push(raw)
    pool.forEach((t, i) => {
      if (folds[i] === k) windows[i] = scoreUngated(raw, t.item.text)
    })
  }
  const points = firstStagePoints(pool, windows, options)
  const outOfFold: OutOfFold[] = pool.map((text, i) => ({
    text,
    fold: folds[i] as number,
    first: calibrateScores(windows[i] as WindowScores, points),
  }))
  const first = withPoints(trainFirstStage(examples, options, about), points)
  return trainSecondStage(
    first,
    foldModels.map((raw) => withPoints(raw, points)),
    outOfFold,
    options,
  )
}

function trainFirstStage(
  examples: readonly TrainingExample[],
  options: HarmTrainingOptions,
  about: Record<string, unknown>,
): HashedLinearModel {
  return quantize(trainLinear(examples, TEXT_HARM_CATEGORIES.length, options), options.bits, about)
}

/** Bounds on the calibrated slope: a category with few positives cannot make it extreme. */
const MIN_SLOPE = 0.25
const MAX_SLOPE = 4

/** A category's operating point: logits of the raw model map to `slope * (z - threshold)`. */
interface OperatingPoint {
  readonly slope: number
  readonly threshold: number
  /** The score the threshold is given. */
  readonly score: number
}

/**
 * Each category's operating point: its operating score (0.5 unless given) is where
 * `benignFlagRate` of the benign texts score higher, and the slope is Platt's (positives and
 * negatives weighted equally), so that stricter thresholds trade recall for precision smoothly.
 */
function firstStagePoints(
  pool: readonly PreparedText[],
  windows: readonly WindowScores[],
  { benignFlagRate, operatingScores }: HarmTrainingOptions,
): OperatingPoint[] {
  const logits = windows.map((w) => Float64Array.from(w.scores, logit))
  return TEXT_HARM_CATEGORIES.map((category, c) => {
    const known = pool.flatMap((t, i): { z: number; label: 0 | 1 }[] => {
      const label = labelVector(t.item)[c]
      return label === 0 || label === 1 ? [{ z: logits[i]?.[c] ?? 0, label }] : []
    })
    const platt = fitPlatt(
      known.map((k) => k.z),
      known.map((k) => k.label),
    )
    const slope = Math.min(MAX_SLOPE, Math.max(MIN_SLOPE, platt.a))
    const benign = pool.flatMap((t, i) => (isBenign(t.item) ? [logits[i]?.[c] ?? 0] : []))
    const threshold = quantile(benign, 1 - benignFlagRate)
    return { slope, threshold, score: operatingScores[category] ?? 0.5 }
  })
}

/** The raw model with each category's logit mapped through its operating point. */
function withPoints(
  model: HashedLinearModel,
  points: readonly OperatingPoint[],
): HashedLinearModel {
  const scales = Float32Array.from(model.scales, (s, c) => (points[c] as OperatingPoint).slope * s)
  const biases = Float32Array.from(model.biases, (b, c) => {
    const { slope, threshold, score } = points[c] as OperatingPoint
    return slope * (b - threshold) + logit(score)
  })
  const operating = Float32Array.from(points, (p) => p.score)
  const named = Object.fromEntries(TEXT_HARM_CATEGORIES.map((c, i) => [c, points[i]]))
  return { ...model, scales, biases, operating, about: { ...model.about, operatingPoints: named } }
}

/** Scores of a raw model's windows as the calibrated model gives them (windows are the same). */
function calibrateScores(scores: WindowScores, points: readonly OperatingPoint[]): WindowScores {
  const calibrated = Float64Array.from(scores.scores, (p, c) => {
    const { slope, threshold, score } = points[c] as OperatingPoint
    return 1 / (1 + Math.exp(-(slope * (logit(p) - threshold) + logit(score))))
  })
  return { ...scores, scores: calibrated }
}

/**
 * Per category, the text's highest window as the classifier scores it (a long benign text has
 * more chances to score high than one of its windows alone). Gates are left out: each category
 * is calibrated on its own.
 */
function scoreUngated(model: HashedLinearModel, text: string): WindowScores {
  return scoreText({ ...model, gates: model.gates.map(() => []) }, text)
}

const logit = (p: number): number => {
  const q = Math.min(1 - 1e-12, Math.max(1e-12, p))
  return Math.log(q / (1 - q))
}

/** The value below which a share `q` of `values` lies. */
function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number
}
