import {
  applicationFeatures,
  encode,
  wordsIn,
  probabilities,
  type Encoded,
  type LearnedModel,
} from './prescreen-learned.js'
import type { UseCaseApplication } from './use-case-application.js'

/** One labeled application: its prohibited clause ids, none for an allowed use. */
export interface TrainingExample {
  readonly app: UseCaseApplication
  readonly clauses: readonly string[]
  /**
   * Whether the threshold is chosen on it (default true): false for everyday requests that teach
   * the model what no harm looks like but are not applications.
   */
  readonly calibrate?: boolean
}

export interface TrainingOptions {
  /** The prohibited clause ids to learn; `none` is added first. */
  readonly classes: readonly string[]
  readonly epochs: number
  readonly learningRate: number
  /** L2 penalty per step on the weights an example touches. */
  readonly l2: number
  /** A feature enters the vocabulary when at least this many examples have it. */
  readonly minExamples: number
  /** The out-of-fold precision the threshold is chosen to keep. */
  readonly targetPrecision: number
  readonly folds: number
}

interface Fitted {
  readonly weights: number[][]
  readonly bias: number[]
}

function vocabularyOf(examples: readonly TrainingExample[], minExamples: number): string[] {
  const counts = new Map<string, number>()
  for (const e of examples) {
    for (const f of applicationFeatures(e.app).keys()) counts.set(f, (counts.get(f) ?? 0) + 1)
  }
  return [...counts]
    .filter(([, n]) => n >= minExamples)
    .map(([f]) => f)
    .sort()
}

/** The target distribution of one example: its clauses share it, or all of it is `none`. */
function targetOf(example: TrainingExample, classes: readonly string[]): number[] {
  const known = example.clauses.filter((id) => classes.includes(id))
  return classes.map((id, c) =>
    known.length === 0 ? (c === 0 ? 1 : 0) : known.includes(id) ? 1 / known.length : 0,
  )
}

/** Stochastic gradient descent in the examples' order: the same data gives the same weights. */
function fit(
  xs: readonly Encoded[],
  targets: readonly number[][],
  size: number,
  options: TrainingOptions,
  classes: number,
): Fitted {
  const weights = Array.from({ length: classes }, () => new Array<number>(size).fill(0))
  const bias = new Array<number>(classes).fill(0)
  for (let epoch = 0; epoch < options.epochs; epoch += 1) {
    const rate = options.learningRate / (1 + epoch * 0.05)
    xs.forEach((x, n) => {
      const p = probabilities(weights, bias, x)
      const target = targets[n] ?? []
      for (let c = 0; c < classes; c += 1) {
        const gradient = (p[c] ?? 0) - (target[c] ?? 0)
        const row = weights[c] as number[]
        for (const i of x.indices) {
          row[i] = (row[i] ?? 0) - rate * (gradient * x.value + options.l2 * (row[i] ?? 0))
        }
        bias[c] = (bias[c] ?? 0) - rate * gradient
      }
    })
  }
  return { weights, bias }
}

function encodeAll(examples: readonly TrainingExample[], vocabulary: readonly string[]) {
  const index = new Map(vocabulary.map((f, i) => [f, i]))
  return examples.map((e) => encode(applicationFeatures(e.app), index))
}

const prohibitedIn = (p: readonly number[]) => 1 - (p[0] ?? 0)

/** The vocabulary of `examples` and the weights fitted on them. */
function fitOn(examples: readonly TrainingExample[], options: TrainingOptions) {
  const classes = ['none', ...options.classes]
  const vocabulary = vocabularyOf(examples, options.minExamples)
  const fitted = fit(
    encodeAll(examples, vocabulary),
    examples.map((e) => targetOf(e, classes)),
    vocabulary.length,
    options,
    classes.length,
  )
  return { vocabulary, fitted }
}

/** Out-of-fold probabilities that each example is prohibited, from `folds` fits. */
function outOfFold(examples: readonly TrainingExample[], options: TrainingOptions): number[] {
  const scores = new Array<number>(examples.length).fill(0)
  for (let fold = 0; fold < options.folds; fold += 1) {
    const { vocabulary, fitted } = fitOn(
      examples.filter((_, i) => i % options.folds !== fold),
      options,
    )
    const index = new Map(vocabulary.map((f, i) => [f, i]))
    examples.forEach((e, i) => {
      if (i % options.folds !== fold) return
      const x = encode(applicationFeatures(e.app), index)
      scores[i] = prohibitedIn(probabilities(fitted.weights, fitted.bias, x))
    })
  }
  return scores
}

/** Precision and recall of "prohibited" at a threshold, over out-of-fold scores. */
function rates(scores: readonly number[], labels: readonly boolean[], threshold: number) {
  let tp = 0
  let fp = 0
  let fn = 0
  scores.forEach((s, i) => {
    const said = s >= threshold
    if (said && labels[i]) tp += 1
    else if (said) fp += 1
    else if (labels[i]) fn += 1
  })
  return {
    precision: tp + fp === 0 ? 1 : tp / (tp + fp),
    recall: tp + fn === 0 ? 1 : tp / (tp + fn),
  }
}

const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places

/**
 * Trains the learned layer: picks the threshold by cross-validation (the lowest that keeps the
 * target precision out of fold), then fits on every example.
 */
export function trainLearnedModel(
  examples: readonly TrainingExample[],
  options: TrainingOptions,
): LearnedModel {
  const classes = ['none', ...options.classes]
  const calibrating = examples.map((e) => e.calibrate !== false)
  const scores = outOfFold(examples, options).filter((_, i) => calibrating[i])
  const labels = examples
    .filter((_, i) => calibrating[i])
    .map((e) => e.clauses.some((id) => options.classes.includes(id)))
  const grid = Array.from({ length: 17 }, (_, i) => round(0.1 + i * 0.05, 2))
  const threshold =
    grid.find((t) => rates(scores, labels, t).precision >= options.targetPrecision) ?? 0.9
  const check = rates(scores, labels, threshold)
  const minWords = Math.min(
    ...examples
      .filter((e) => e.calibrate !== false)
      .map((e) => wordsIn(applicationFeatures(e.app))),
  )
  const { vocabulary, fitted } = fitOn(examples, options)
  return {
    format: 1,
    classes,
    vocabulary,
    weights: fitted.weights.map((row) => row.map((w) => round(w, 3))),
    bias: fitted.bias.map((b) => round(b, 3)),
    threshold,
    minWords,
    trainedOn: {
      examples: examples.length,
      prohibited: labels.filter(Boolean).length,
      options,
      out_of_fold: { precision: round(check.precision, 3), recall: round(check.recall, 3) },
    },
  }
}
