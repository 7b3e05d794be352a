import { readFileSync } from 'node:fs'
import type { UseCaseApplication } from './use-case-application.js'

/**
 * The pre-screen's learned layer: a multinomial logistic regression over the words and word
 * pairs of an application, trained (`packages/warden/prescreen/train.mjs`) on the labeled
 * applications written for this project. It reads wording that no phrase of the policy names
 * ("we acquired 200k addresses from a data vendor"), needs no network, and explains itself by
 * the words that weighed most. Its classes are the default policy's prohibited clause ids plus
 * `none`; with another policy it speaks only for the ids that policy also has.
 */
export interface LearnedModel {
  readonly format: 1
  /** `none` first, then prohibited clause ids. */
  readonly classes: readonly string[]
  /** The features (`u:word`, `b:word word`) the weights are for, in order. */
  readonly vocabulary: readonly string[]
  /** Per class, one weight per feature of the vocabulary. */
  readonly weights: readonly (readonly number[])[]
  readonly bias: readonly number[]
  /** The least probability of "some prohibited clause" at which the layer says prohibited. */
  readonly threshold: number
  /**
   * The fewest distinct words it speaks on: the shortest application it was trained on. A
   * shorter text ("do you work for a different person") is not the kind it knows.
   */
  readonly minWords: number
  /** What it was trained on, for the record: examples, and the figures of its own check. */
  readonly trainedOn: Readonly<Record<string, unknown>>
}

/** A prohibited clause the learned layer reads in an application. */
export interface LearnedClause {
  readonly id: string
  /** The model's probability for this clause. */
  readonly probability: number
  /** The application's words that weighed most towards it, as it writes them. */
  readonly words: readonly string[]
}

/** Words too common to say anything on their own; pairs are still built across them. */
const STOP = new Set(
  'a an the and or of to for in on at by with from as is are was be been it its this that these those we our us you your they them their i my me he she his her will can would should could do does which who what when where how than then so if but not no into about over per each all any some such there here also just only'.split(
    ' ',
  ),
)

/** `campaigns` → `campaign`, `targeting` → `target`: enough stemming for a bag of words. */
function stem(word: string): string {
  if (word.length <= 4) return word
  if (word.endsWith('ies')) return `${word.slice(0, -3)}y`
  for (const suffix of ['ing', 'ed', 'es', 's']) {
    if (word.endsWith(suffix) && word.length - suffix.length >= 3)
      return word.slice(0, -suffix.length)
  }
  return word
}

interface Token {
  readonly stem: string
  readonly surface: string
}

function tokensOf(text: string): Token[] {
  const tokens: Token[] = []
  for (const match of text
    .toLowerCase()
    .replace(/’/g, "'")
    .matchAll(/[a-z0-9]+(?:'[a-z]+)?/g)) {
    const surface = match[0]
    const word = surface.replace(/'s$/, '')
    if (/\d/.test(word)) {
      // Numbers say something by being there ("200k addresses"), not by their value.
      if (tokens.at(-1)?.stem !== '#') tokens.push({ stem: '#', surface })
      continue
    }
    if (STOP.has(word)) continue
    tokens.push({ stem: stem(word), surface })
  }
  return tokens
}

/** The text of an application the layer reads: what the applicant wrote, not the yes/no answers. */
function textOf(app: UseCaseApplication): string {
  return [
    app.description,
    app.category ?? '',
    app.safeguards ?? '',
    ...(app.samples ?? []).flatMap((s) => [s.prompt, s.output]),
  ].join(' . ')
}

/** Each feature of an application, with the words it came from as the text writes them. */
export function applicationFeatures(app: UseCaseApplication): Map<string, string> {
  const features = new Map<string, string>()
  const tokens = tokensOf(textOf(app).slice(0, 20_000))
  tokens.forEach((token, i) => {
    if (!features.has(`u:${token.stem}`)) features.set(`u:${token.stem}`, token.surface)
    const next = tokens[i + 1]
    if (next && !features.has(`b:${token.stem} ${next.stem}`)) {
      features.set(`b:${token.stem} ${next.stem}`, `${token.surface} ${next.surface}`)
    }
  })
  return features
}

/** How many distinct words (stems) a feature map holds. */
export function wordsIn(features: ReadonlyMap<string, string>): number {
  let n = 0
  for (const feature of features.keys()) if (feature.startsWith('u:')) n += 1
  return n
}

/** The indices of an application's features in a vocabulary, each with the same weight. */
export interface Encoded {
  readonly indices: readonly number[]
  readonly value: number
}

export function encode(features: ReadonlyMap<string, string>, index: ReadonlyMap<string, number>) {
  const indices: number[] = []
  for (const feature of features.keys()) {
    const at = index.get(feature)
    if (at !== undefined) indices.push(at)
  }
  return { indices, value: indices.length > 0 ? 1 / Math.sqrt(indices.length) : 0 }
}

/** Softmax of the classes' scores for one encoded application. */
export function probabilities(
  weights: readonly (readonly number[])[],
  bias: readonly number[],
  x: Encoded,
): number[] {
  const scores = bias.map((b, c) => {
    const row = weights[c] ?? []
    let z = b
    for (const i of x.indices) z += (row[i] ?? 0) * x.value
    return z
  })
  const top = Math.max(...scores)
  const exps = scores.map((s) => Math.exp(s - top))
  const sum = exps.reduce((a, b) => a + b, 0)
  return exps.map((e) => e / sum)
}

const indexes = new WeakMap<LearnedModel, Map<string, number>>()

function indexOf(model: LearnedModel): Map<string, number> {
  let index = indexes.get(model)
  if (!index) {
    index = new Map(model.vocabulary.map((feature, i) => [feature, i]))
    indexes.set(model, index)
  }
  return index
}

const MAX_WORDS = 4

/**
 * The prohibited clauses the model reads in `app`, among `ids`: none unless the probability of
 * some prohibited clause reaches the model's threshold; then the likeliest clause, and any other
 * at least half as likely.
 */
export function learnedClauses(
  model: LearnedModel,
  app: UseCaseApplication,
  ids: ReadonlySet<string>,
): LearnedClause[] {
  const index = indexOf(model)
  const features = applicationFeatures(app)
  if (wordsIn(features) < model.minWords) return []
  const x = encode(features, index)
  const p = probabilities(model.weights, model.bias, x)
  const candidates = model.classes
    .map((id, c) => ({ id, c, probability: p[c] ?? 0 }))
    .filter(({ id }) => id !== 'none' && ids.has(id))
  const prohibited = candidates.reduce((sum, k) => sum + k.probability, 0)
  if (prohibited < model.threshold || candidates.length === 0) return []
  const best = Math.max(...candidates.map((k) => k.probability))
  const none = model.weights[0] ?? []
  return candidates
    .filter((k) => k.probability >= best / 2)
    .sort((a, b) => b.probability - a.probability)
    .map(({ id, c, probability }) => {
      const row = model.weights[c] ?? []
      const words = [...features]
        .map(([feature, surface]) => {
          const i = index.get(feature)
          return { surface, weight: i === undefined ? 0 : (row[i] ?? 0) - (none[i] ?? 0) }
        })
        .filter((w) => w.weight > 0)
        .sort((a, b) => b.weight - a.weight)
        .slice(0, MAX_WORDS)
        .map((w) => w.surface)
      return { id, probability: Math.round(probability * 100) / 100, words }
    })
}

/** The model shipped with Warden, trained for the default policy's prohibited clauses. */
export const DEFAULT_LEARNED_MODEL_FILE = new URL(
  '../../policies/prescreen-weights.json',
  import.meta.url,
)

let shipped: LearnedModel | null | undefined

/** The shipped model, read once; null when the file is missing (the phrase layer still works). */
export function shippedLearnedModel(): LearnedModel | null {
  if (shipped === undefined) {
    try {
      shipped = JSON.parse(readFileSync(DEFAULT_LEARNED_MODEL_FILE, 'utf8')) as LearnedModel
    } catch {
      shipped = null
    }
  }
  return shipped
}
