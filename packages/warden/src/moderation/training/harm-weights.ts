import { TEXT_HARM_CATEGORIES } from '../harm-categories.js'
import type { HashedLinearModel } from '../hashed-linear-model.js'
import type { LabeledText } from './labeled-text.js'
import type { TrainedWeights } from './train-linear.js'

/** The labels and weights of the harm model's linear stages, shared by both. */

/** Per category: 1, 0 or -1 (unknown), in {@link TEXT_HARM_CATEGORIES} order. */
export function labelVector(item: LabeledText): Int8Array {
  return Int8Array.from(TEXT_HARM_CATEGORIES, (c) => item.labels[c] ?? -1)
}

/**
 * What `sexual_minors` needs besides its own score: sexual content, a crime (grooming, abuse
 * material), violence or harassment. Without it, word problems about children and their ages
 * scored on the words for children alone (36 of GSM8K's 1,319 questions at 0.5).
 */
const MINORS_GATES = (['sexual', 'illicit', 'violence', 'harassment'] as const).map((c) =>
  TEXT_HARM_CATEGORIES.indexOf(c),
)

/** Int8 weights with one scale per category, the model's gates, and `about`. */
export function quantize(
  trained: TrainedWeights,
  bits: number,
  about: Record<string, unknown>,
): HashedLinearModel {
  const size = TEXT_HARM_CATEGORIES.length
  const largest = new Float64Array(size)
  trained.weights.forEach((w, i) => {
    const c = i % size
    largest[c] = Math.max(largest[c] as number, Math.abs(w))
  })
  const scales = Float32Array.from(largest, (m) => (m === 0 ? 1 : m / 127))
  const weights = Int8Array.from(trained.weights, (w, i) =>
    Math.round(w / (scales[i % size] as number)),
  )
  return {
    categories: [...TEXT_HARM_CATEGORIES],
    bits,
    weights,
    scales,
    biases: Float32Array.from(trained.biases),
    gates: TEXT_HARM_CATEGORIES.map((c) => (c === 'sexual_minors' ? MINORS_GATES : [])),
    about,
  }
}
