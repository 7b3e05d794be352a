import { visitFeatures } from './text-features.js'

/**
 * A one-vs-rest linear model over hashed features: per category a weight for each of `2^bits`
 * feature indices, stored as int8 with one scale per category, feature-major (the weights of
 * every category for one feature sit side by side, so a feature costs one cache line).
 *
 * The logit of category `c` for a text with `n` feature occurrences is
 * `biases[c] + scales[c] * sum(weights[f * C + c]) / sqrt(n)`; its score is the logistic of it.
 */
export interface HashedLinearModel {
  /** Category ids, in weight order. */
  readonly categories: readonly string[]
  /** Feature indices are `bits` wide. */
  readonly bits: number
  /** `2^bits * categories.length` quantized weights. */
  readonly weights: Int8Array
  /** Per category: what one step of a quantized weight is worth. */
  readonly scales: Float32Array
  /** Per category: the logit of a text with no features. */
  readonly biases: Float32Array
  /** Free-form facts about how it was made (data, options, date), kept with the weights. */
  readonly about: Readonly<Record<string, unknown>>
}

const MAGIC = 'WDNHLM01'
const HEADER_OFFSET = MAGIC.length + 4

/** The largest number of features a model may be wide: 2^22 indices. */
export const MAX_BITS = 22

/** Scores of every category for a text's words, each in [0, 1], in `model.categories` order. */
export function scoreWords(model: HashedLinearModel, words: readonly string[]): Float64Array {
  return logitsOfWords(model, words).map((logit) => 1 / (1 + Math.exp(-logit)))
}

/** Logits of every category for a text's words (the scores before the logistic). */
export function logitsOfWords(model: HashedLinearModel, words: readonly string[]): Float64Array {
  const size = model.categories.length
  const sums = new Int32Array(size)
  const { weights } = model
  const count = visitFeatures(words, model.bits, (index) => {
    const base = index * size
    for (let c = 0; c < size; c++) sums[c] = (sums[c] as number) + (weights[base + c] as number)
  })
  const norm = count === 0 ? 0 : 1 / Math.sqrt(count)
  const logits = new Float64Array(size)
  for (let c = 0; c < size; c++) {
    const sum = (sums[c] as number) * norm
    logits[c] = (model.biases[c] as number) + (model.scales[c] as number) * sum
  }
  return logits
}

/**
 * The model as bytes: `WDNHLM01`, a little-endian u32 header length, a JSON header (categories,
 * bits, scales, biases, about), then the int8 weights.
 */
export function encodeModel(model: HashedLinearModel): Uint8Array {
  const header = Buffer.from(
    JSON.stringify({
      categories: model.categories,
      bits: model.bits,
      scales: [...model.scales],
      biases: [...model.biases],
      about: model.about,
    }),
  )
  const out = Buffer.alloc(HEADER_OFFSET + header.length + model.weights.length)
  out.write(MAGIC, 0, 'latin1')
  out.writeUInt32LE(header.length, MAGIC.length)
  header.copy(out, HEADER_OFFSET)
  out.set(
    new Uint8Array(model.weights.buffer, model.weights.byteOffset, model.weights.length),
    HEADER_OFFSET + header.length,
  )
  return out
}

/** Reads bytes written by {@link encodeModel}; throws naming what is wrong with them. */
export function decodeModel(bytes: Uint8Array): HashedLinearModel {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
  if (buffer.length < HEADER_OFFSET || buffer.toString('latin1', 0, MAGIC.length) !== MAGIC) {
    throw new Error(`not a hashed linear model (no ${MAGIC} header)`)
  }
  const headerLength = buffer.readUInt32LE(MAGIC.length)
  const header = parseHeader(buffer.toString('utf8', HEADER_OFFSET, HEADER_OFFSET + headerLength))
  const start = HEADER_OFFSET + headerLength
  const expected = 2 ** header.bits * header.categories.length
  if (buffer.length - start !== expected) {
    throw new Error(`model weights: expected ${expected} bytes, found ${buffer.length - start}`)
  }
  const weights = new Int8Array(expected)
  weights.set(new Int8Array(buffer.buffer, buffer.byteOffset + start, expected))
  return {
    categories: header.categories,
    bits: header.bits,
    weights,
    scales: Float32Array.from(header.scales),
    biases: Float32Array.from(header.biases),
    about: header.about,
  }
}

interface ModelHeader {
  categories: string[]
  bits: number
  scales: number[]
  biases: number[]
  about: Record<string, unknown>
}

function parseHeader(text: string): ModelHeader {
  const raw = JSON.parse(text) as Partial<ModelHeader>
  const { categories, bits, scales, biases, about } = raw
  const size = Array.isArray(categories) ? categories.length : -1
  const numbers = (list: unknown): boolean =>
    Array.isArray(list) && list.length === size && list.every((n) => Number.isFinite(n))
  if (size < 1 || !categories?.every((c) => typeof c === 'string')) {
    throw new Error('model header: categories must be a non-empty list of ids')
  }
  if (!Number.isInteger(bits) || (bits as number) < 1 || (bits as number) > MAX_BITS) {
    throw new Error(`model header: bits must be an integer from 1 to ${MAX_BITS}`)
  }
  if (!numbers(scales) || !numbers(biases)) {
    throw new Error('model header: scales and biases need one number per category')
  }
  return {
    categories,
    bits: bits as number,
    scales: scales as number[],
    biases: biases as number[],
    about: about ?? {},
  }
}
