import { featureIndices } from '../text-features.js'

/**
 * One-vs-rest logistic regression over hashed features, fitted with AdaGrad. Deterministic: the
 * same examples in the same order and the same options give the same weights, bit for bit.
 */

/** A text ready for training: its distinct features with their values, and its labels. */
export interface TrainingExample {
  /** Distinct feature indices. */
  readonly indices: Uint32Array
  /** Per index: occurrences / sqrt(all occurrences), as the model computes it. */
  readonly values: Float32Array
  /** Per category: 1, 0, or -1 when the label is unknown (the category learns nothing). */
  readonly labels: Int8Array
  /** Relative weight of the example. */
  readonly weight: number
}

export interface TrainOptions {
  readonly bits: number
  readonly epochs: number
  readonly learningRate: number
  /** L2 penalty on the weights an example touches. */
  readonly l2: number
  /** Positives of each category weigh this share of its negatives' total weight. */
  readonly positiveShare: number
  readonly seed: number
}

/** Dense float weights, feature-major like the shipped model, and one bias per category. */
export interface TrainedWeights {
  readonly weights: Float32Array
  readonly biases: Float64Array
}

/** Builds a training example from a text's words (see `featureWords`). */
export function toExample(
  words: readonly string[],
  labels: Int8Array,
  weight: number,
  bits: number,
): TrainingExample {
  const counts = new Map<number, number>()
  const all = featureIndices(words, bits)
  for (const index of all) counts.set(index, (counts.get(index) ?? 0) + 1)
  const total = all.length
  const norm = total === 0 ? 0 : 1 / Math.sqrt(total)
  const indices = Uint32Array.from(counts.keys())
  const values = Float32Array.from(counts.values(), (count) => count * norm)
  return { indices, values, labels, weight }
}

/** Fits the weights; `categories` is the number of categories the labels have. */
export function trainLinear(
  examples: readonly TrainingExample[],
  categories: number,
  options: TrainOptions,
): TrainedWeights {
  const weights = new Float32Array(2 ** options.bits * categories)
  const squares = new Float32Array(weights.length)
  const biases = new Float64Array(categories)
  const biasSquares = new Float64Array(categories)
  const classWeights = positiveWeights(examples, categories, options.positiveShare)
  const random = seededRandom(options.seed)
  const order = examples.map((_, i) => i)
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    shuffle(order, random)
    for (const i of order) {
      const example = examples[i] as TrainingExample
      for (let c = 0; c < categories; c++) {
        const label = example.labels[c] as number
        if (label < 0) continue
        const scale = example.weight * (label === 1 ? (classWeights[c] as number) : 1)
        const gradient = scale * (predict(example, weights, biases, c, categories) - label)
        step(example, weights, squares, c, categories, gradient, options)
        biasSquares[c] = (biasSquares[c] as number) + gradient * gradient
        biases[c] =
          (biases[c] as number) -
          (options.learningRate * gradient) / Math.sqrt((biasSquares[c] as number) + 1e-8)
      }
    }
  }
  return { weights, biases }
}

function predict(
  example: TrainingExample,
  weights: Float32Array,
  biases: Float64Array,
  c: number,
  categories: number,
): number {
  let logit = biases[c] as number
  const { indices, values } = example
  for (let k = 0; k < indices.length; k++) {
    logit += (values[k] as number) * (weights[(indices[k] as number) * categories + c] as number)
  }
  return 1 / (1 + Math.exp(-logit))
}

function step(
  example: TrainingExample,
  weights: Float32Array,
  squares: Float32Array,
  c: number,
  categories: number,
  gradient: number,
  options: TrainOptions,
): void {
  const { indices, values } = example
  for (let k = 0; k < indices.length; k++) {
    const at = (indices[k] as number) * categories + c
    const w = weights[at] as number
    const g = gradient * (values[k] as number) + options.l2 * w
    const square = (squares[at] as number) + g * g
    squares[at] = square
    weights[at] = w - (options.learningRate * g) / Math.sqrt(square + 1e-8)
  }
}

/** Per category: the weight of a positive, so that positives weigh `share` of the negatives. */
function positiveWeights(
  examples: readonly TrainingExample[],
  categories: number,
  share: number,
): Float64Array {
  const positive = new Float64Array(categories)
  const negative = new Float64Array(categories)
  for (const example of examples) {
    for (let c = 0; c < categories; c++) {
      if (example.labels[c] === 1) positive[c] = (positive[c] as number) + example.weight
      if (example.labels[c] === 0) negative[c] = (negative[c] as number) + example.weight
    }
  }
  return positive.map((p, c) => (p === 0 ? 1 : (share * (negative[c] as number)) / p))
}

/** Mulberry32: a small seeded generator, so that shuffles repeat across runs and machines. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function shuffle(order: number[], random: () => number): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const swap = order[i] as number
    order[i] = order[j] as number
    order[j] = swap
  }
}
