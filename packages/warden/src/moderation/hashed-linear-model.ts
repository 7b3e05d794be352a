import { z } from 'zod'
import { visitFeatures } from './text-features.js'

/**
 * A one-vs-rest linear model over hashed features: per category a weight for each of `2^bits`
 * feature indices, stored as int8 with one scale per category, feature-major (the weights of
 * every category for one feature sit side by side, so a feature costs one cache line).
 *
 * The logit of category `c` for a text with `n` feature occurrences is
 * `biases[c] + scales[c] * sum(weights[f * C + c]) / sqrt(n)`; its score is the logistic of it,
 * capped by the score of the category it is gated by, if any (`sexual_minors` by `sexual`: a
 * linear model cannot say "sexual and about a child", but the minimum of two can).
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
  /** Per category: the index of the category whose score caps its score, or -1. */
  readonly gates: Int8Array
  /** Free-form facts about how it was made (data, options, date), kept with the weights. */
  readonly about: Readonly<Record<string, unknown>>
}

const MAGIC = 'WDNHLM01'
const HEADER_OFFSET = MAGIC.length + 4

/** The largest number of features a model may be wide: 2^22 indices. */
export const MAX_BITS = 22

/** Scores of every category for a text's words, each in [0, 1], in `model.categories` order. */
export function scoreWords(model: HashedLinearModel, words: readonly string[]): Float64Array {
  const scores = logitsOfWords(model, words).map((logit) => 1 / (1 + Math.exp(-logit)))
  return scores.map((score, c) => {
    const gate = model.gates[c] as number
    return gate < 0 ? score : Math.min(score, scores[gate] as number)
  })
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
      gates: gatesByName(model),
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

/** The gates as `{category: gating category}`, as the header stores them. */
function gatesByName(model: HashedLinearModel): Record<string, string> {
  const gates: Record<string, string> = {}
  model.gates.forEach((gate, c) => {
    const category = model.categories[c]
    const by = model.categories[gate]
    if (category !== undefined && by !== undefined) gates[category] = by
  })
  return gates
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
    gates: Int8Array.from(header.categories, (c) => {
      const gate = header.gates[c]
      return gate === undefined ? -1 : header.categories.indexOf(gate)
    }),
    about: header.about,
  }
}

const headerSchema = z
  .object({
    categories: z.array(z.string().min(1)).min(1).max(64),
    bits: z.number().int().min(1).max(MAX_BITS),
    scales: z.array(z.number()),
    biases: z.array(z.number()),
    gates: z.record(z.string(), z.string()).default({}),
    about: z.record(z.string(), z.unknown()).default({}),
  })
  .superRefine((header, context) => {
    const size = header.categories.length
    if (header.scales.length !== size || header.biases.length !== size) {
      context.addIssue({
        code: 'custom',
        message: 'scales and biases need one number per category',
      })
    }
    for (const [category, gate] of Object.entries(header.gates)) {
      if (!header.categories.includes(category) || !header.categories.includes(gate)) {
        context.addIssue({
          code: 'custom',
          message: `gate ${category} -> ${gate}: unknown category`,
        })
      }
    }
  })

function parseHeader(text: string): z.infer<typeof headerSchema> {
  const parsed = headerSchema.safeParse(JSON.parse(text))
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new Error(`model header: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`)
  }
  return parsed.data
}
