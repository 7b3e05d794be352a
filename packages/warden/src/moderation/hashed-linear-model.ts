import { z } from 'zod'
import { pairFeatures, SKIP_PAIR_DISTANCE, wordFeatures, wordHash } from './text-features.js'

/**
 * A one-vs-rest linear model over hashed features: per category a weight for each of `2^bits`
 * feature indices, stored as int8 with one scale per category, feature-major (the weights of
 * every category for one feature sit side by side, so a feature costs one cache line).
 *
 * The logit of category `c` for a text with `n` feature occurrences is
 * `biases[c] + scales[c] * sum(weights[f * C + c]) / sqrt(n)`; its score is the logistic of it,
 * capped by the highest score of the categories it is gated by, if any (`sexual_minors` by
 * `sexual`, `illicit`, …: a linear model cannot say "sexual and about a child", but the minimum
 * of two scores can).
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
  /** Per category: the categories whose highest score caps its score (none: not gated). */
  readonly gates: readonly (readonly number[])[]
  /** Free-form facts about how it was made (data, options, date), kept with the weights. */
  readonly about: Readonly<Record<string, unknown>>
  /**
   * A second linear model over the same features, trained on each category's positives and the
   * negatives the first one finds hard ("kill a process" beside "kill a person"): it may veto the
   * first (`text-harm-second-stage.ts`). None in older files.
   */
  readonly second?: LinearStage
  /**
   * Per category: the score of its operating point (the default policy's sandbox threshold). The
   * second stage agrees with the first from this score up, and the category's score is then the
   * first stage's alone; below it, the smaller of the two. Absent (older files): always the
   * smaller of the two.
   */
  readonly operating?: Float32Array
}

/** The weights of one linear model over a {@link HashedLinearModel}'s features. */
export interface LinearStage {
  readonly weights: Int8Array
  readonly scales: Float32Array
  readonly biases: Float32Array
}

const MAGIC = 'WDNHLM01'
const HEADER_OFFSET = MAGIC.length + 4

/** The largest number of features a model may be wide: 2^22 indices. */
export const MAX_BITS = 22

/** Scores of every category for a text's words, each in [0, 1], in `model.categories` order. */
export function scoreWords(model: HashedLinearModel, words: readonly string[]): Float64Array {
  const sums = new Int32Array(model.categories.length)
  const count = sumFeatures(model, words, sums)
  return scoresOfSums(model, sums, count)
}

/**
 * Per distinct word: the weight sums of its own features, then how many there are, then its
 * hash (see {@link ownSums}). A `Map` serves for one text; {@link boundedWordSums} keeps them
 * from text to text.
 */
export interface WordSums {
  get(word: string): Int32Array | undefined
  set(word: string, sums: Int32Array): unknown
}

/**
 * Word sums kept across texts, at most `2 * capacity` words: common words come back in every
 * prompt, and summing their n-grams again was most of a classification. Two generations: once
 * the young one is full it becomes the old one, and a word found only in the old one moves
 * back, so the words in use stay while the rest age out. A word is stored as a copy, never as
 * the slice of a prompt it was read from, which would keep the whole prompt alive.
 */
export function boundedWordSums(capacity: number): WordSums {
  let young = new Map<string, Int32Array>()
  let old = new Map<string, Int32Array>()
  const set = (word: string, sums: Int32Array): void => {
    if (young.size >= capacity) {
      old = young
      young = new Map()
    }
    young.set(word.split('').join(''), sums)
  }
  return {
    get(word) {
      const sums = young.get(word)
      if (sums !== undefined) return sums
      const aged = old.get(word)
      if (aged !== undefined) set(word, aged)
      return aged
    },
    set,
  }
}

/**
 * Adds the quantized weights of every feature of `words` to `sums` (one per category) and
 * returns how many features there were: the same as summing `featureIndices`, but each
 * distinct word's own features are summed once into `cache` (words repeat; pass one cache for
 * every chunk of a text, or a {@link boundedWordSums} for every text). Sums of two texts add up
 * to the sums of both, which is how windows of a long text share their work.
 */
export function sumFeatures(
  model: HashedLinearModel,
  words: readonly string[],
  sums: Int32Array,
  cache: WordSums = new Map<string, Int32Array>(),
): number {
  const size = model.categories.length
  const hashes = new Int32Array(words.length)
  const pairs = new Uint32Array(SKIP_PAIR_DISTANCE)
  let count = 0
  for (let w = 0; w < words.length; w++) {
    const word = words[w] as string
    let own = cache.get(word)
    if (own === undefined) {
      own = ownSums(model, word)
      cache.set(word, own)
    }
    hashes[w] = own[size + 1] as number
    for (let c = 0; c < size; c++) sums[c] = (sums[c] as number) + (own[c] as number)
    const paired = pairFeatures(hashes, w, model.bits, pairs)
    for (let k = 0; k < paired; k++) {
      const base = (pairs[k] as number) * size
      for (let c = 0; c < size; c++)
        sums[c] = (sums[c] as number) + (model.weights[base + c] as number)
    }
    count += (own[size] as number) + paired
  }
  return count
}

/**
 * A word's entry of {@link WordSums}: the weight sums of its own features per category, then
 * how many features there are, then its hash (as 32 bits, all its pair features read of it).
 */
function ownSums(model: HashedLinearModel, word: string): Int32Array {
  const size = model.categories.length
  const indices = wordFeatures(word, model.bits)
  const own = new Int32Array(size + 2)
  addIndices(model, indices, own)
  own[size] = indices.length
  own[size + 1] = wordHash(word)
  return own
}

function addIndices(model: HashedLinearModel, indices: Uint32Array, sums: Int32Array): void {
  if (model.categories.length === 8) addEight(model.weights, indices, sums)
  else addAny(model.weights, model.categories.length, indices, sums)
}

function addAny(weights: Int8Array, size: number, indices: Uint32Array, sums: Int32Array): void {
  for (let k = 0; k < indices.length; k++) {
    const base = (indices[k] as number) * size
    for (let c = 0; c < size; c++) sums[c] = (sums[c] as number) + (weights[base + c] as number)
  }
}

/** {@link addAny} for eight categories, unrolled: the hot loop of every classification. */
function addEight(weights: Int8Array, indices: Uint32Array, sums: Int32Array): void {
  let s0 = 0
  let s1 = 0
  let s2 = 0
  let s3 = 0
  let s4 = 0
  let s5 = 0
  let s6 = 0
  let s7 = 0
  for (let k = 0; k < indices.length; k++) {
    const b = (indices[k] as number) << 3
    s0 += weights[b] as number
    s1 += weights[b + 1] as number
    s2 += weights[b + 2] as number
    s3 += weights[b + 3] as number
    s4 += weights[b + 4] as number
    s5 += weights[b + 5] as number
    s6 += weights[b + 6] as number
    s7 += weights[b + 7] as number
  }
  const added = [s0, s1, s2, s3, s4, s5, s6, s7]
  added.forEach((sum, c) => (sums[c] = (sums[c] as number) + sum))
}

/** Scores from feature sums and their count, gates applied. */
export function scoresOfSums(
  model: HashedLinearModel,
  sums: Int32Array,
  count: number,
): Float64Array {
  const scores = new Float64Array(sums.length)
  scoreSumsInto(model, sums, count, scores)
  return scores
}

/**
 * Writes the scores of feature sums into `out` (one per category, gates applied). Allocates
 * nothing: a long text scores hundreds of windows.
 */
export function scoreSumsInto(
  model: HashedLinearModel,
  sums: Int32Array,
  count: number,
  out: Float64Array,
): void {
  const norm = count === 0 ? 0 : 1 / Math.sqrt(count)
  for (let c = 0; c < out.length; c++) {
    const logit =
      (model.biases[c] as number) + (model.scales[c] as number) * (sums[c] as number) * norm
    out[c] = 1 / (1 + Math.exp(-logit))
  }
  applyGates(model, out)
}

/** Caps each gated category's score by the highest score of the categories gating it. */
export function applyGates(model: HashedLinearModel, scores: Float64Array): void {
  for (let c = 0; c < scores.length; c++) {
    const gates = model.gates[c]
    if (gates === undefined || gates.length === 0) continue
    let cap = 0
    for (const g of gates) cap = Math.max(cap, scores[g] as number)
    scores[c] = Math.min(scores[c] as number, cap)
  }
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
      ...(model.operating ? { operating: [...model.operating] } : {}),
      about: model.about,
      ...(model.second
        ? {
            second: { scales: [...model.second.scales], biases: [...model.second.biases] },
          }
        : {}),
    }),
  )
  const stages = model.second ? [model.weights, model.second.weights] : [model.weights]
  const out = Buffer.alloc(HEADER_OFFSET + header.length + model.weights.length * stages.length)
  out.write(MAGIC, 0, 'latin1')
  out.writeUInt32LE(header.length, MAGIC.length)
  header.copy(out, HEADER_OFFSET)
  stages.forEach((weights, i) =>
    out.set(
      new Uint8Array(weights.buffer, weights.byteOffset, weights.length),
      HEADER_OFFSET + header.length + i * model.weights.length,
    ),
  )
  return out
}

/** The gates as `{category: [gating categories]}`, as the header stores them. */
function gatesByName(model: HashedLinearModel): Record<string, string[]> {
  const gates: Record<string, string[]> = {}
  model.gates.forEach((by, c) => {
    const category = model.categories[c]
    if (category !== undefined && by.length > 0) {
      gates[category] = by.map((g) => model.categories[g] ?? '')
    }
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
  const size = 2 ** header.bits * header.categories.length
  const expected = header.second ? 2 * size : size
  if (buffer.length - start !== expected) {
    throw new Error(`model weights: expected ${expected} bytes, found ${buffer.length - start}`)
  }
  const weightsAt = (offset: number): Int8Array => {
    const weights = new Int8Array(size)
    weights.set(new Int8Array(buffer.buffer, buffer.byteOffset + start + offset, size))
    return weights
  }
  const weights = weightsAt(0)
  const second = header.second && {
    weights: weightsAt(size),
    scales: Float32Array.from(header.second.scales),
    biases: Float32Array.from(header.second.biases),
  }
  return {
    ...(second ? { second } : {}),
    ...(header.operating ? { operating: Float32Array.from(header.operating) } : {}),
    categories: header.categories,
    bits: header.bits,
    weights,
    scales: Float32Array.from(header.scales),
    biases: Float32Array.from(header.biases),
    gates: header.categories.map((c) =>
      (header.gates[c] ?? []).map((g) => header.categories.indexOf(g)),
    ),
    about: header.about,
  }
}

const headerSchema = z
  .object({
    categories: z.array(z.string().min(1)).min(1).max(64),
    bits: z.number().int().min(1).max(MAX_BITS),
    scales: z.array(z.number()),
    biases: z.array(z.number()),
    gates: z.record(z.string(), z.array(z.string())).default({}),
    about: z.record(z.string(), z.unknown()).default({}),
    second: z.object({ scales: z.array(z.number()), biases: z.array(z.number()) }).optional(),
    operating: z.array(z.number().gt(0).lt(1)).optional(),
  })
  .superRefine((header, context) => {
    const size = header.categories.length
    const stages = header.second ? [header, header.second] : [header]
    const operating = header.operating
    if (
      stages.some((stage) => stage.scales.length !== size || stage.biases.length !== size) ||
      (operating !== undefined && operating.length !== size)
    ) {
      context.addIssue({
        code: 'custom',
        message: 'scales, biases and operating scores need one number per category',
      })
    }
    for (const [category, gates] of Object.entries(header.gates)) {
      const known = [category, ...gates].every((c) => header.categories.includes(c))
      const gate = gates.join(', ')
      if (!known) {
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
