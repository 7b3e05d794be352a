import { normalizeText } from './normalize-text.js'

/**
 * Hashed word and character n-grams: the features of the trained text classifier, one
 * implementation for training and inference. A feature is an index in `[0, 2^bits)`; a text
 * yields one index per occurrence (duplicates count).
 */

/** Links and user mentions say nothing about harm; they become one token each. */
const LINK = /\bhttps?:\/\/\S+|\bwww\.\S+/gi
const MENTION = /(?<![\w@])@[a-z0-9_]{3,}/gi

/** A word: letters, digits and inner apostrophes of any script. */
const WORD = /[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*/gu

/** Seeds that keep the kinds of feature apart in the shared hash space. */
const WORD_SEED = 0x9e3779b1
const BIGRAM_SEED = 0x85ebca77
const SKIP_SEED = 0x27d4eb2f

/** Word pairs up to this many words apart count too ("kill a python process": kill…python). */
export const SKIP_PAIR_DISTANCE = 3
const CHAR_SEED = 0xc2b2ae3d

/** The shortest and longest character n-grams, taken inside `<word>`. */
export const CHAR_NGRAM_MIN = 3
export const CHAR_NGRAM_MAX = 5

/** The words of a text as the features see them: links and mentions replaced, normalised. */
export function featureWords(text: string): string[] {
  return wordsOfNormalized(normalizeText(clean(text)))
}

/**
 * The words of several texts, as {@link featureWords} would give each, normalising them in one
 * pass (a long text's chunks: one pass is much cheaper than one per chunk). A NUL character
 * keeps them apart; no fold of {@link normalizeText} reaches across it.
 */
export function featureWordsOfEach(texts: readonly string[]): string[][] {
  const joined = texts.join('\0')
  // Most prompts hold no link, no mention and no NUL of their own: cleaning them chunk by chunk
  // changed nothing and cost two regex passes a chunk.
  const cleaned =
    MAY_NEED_CLEANING.test(joined) || texts.some((text) => text.includes('\0'))
      ? texts.map((text) => clean(text).replaceAll('\0', ' ')).join('\0')
      : joined
  return normalizeText(cleaned).split('\0').map(wordsOfNormalized)
}

const clean = (text: string): string => text.replace(LINK, ' httplink ').replace(MENTION, ' ')
/** What every {@link LINK} and {@link MENTION} holds: a text without any has nothing to clean. */
const MAY_NEED_CLEANING = /:\/\/|www\.|@/i
const wordsOfNormalized = (text: string): string[] => text.match(WORD) ?? []

/**
 * Every feature index of `words`, one per occurrence: for each word, its own features (see
 * {@link wordFeatures}), then its pairs with the words up to {@link SKIP_PAIR_DISTANCE} before it.
 */
export function featureIndices(words: readonly string[], bits: number): Uint32Array {
  const parts: Uint32Array[] = []
  let total = 0
  const hashes = words.map(wordHash)
  const pairs = new Uint32Array(SKIP_PAIR_DISTANCE)
  for (let w = 0; w < words.length; w++) {
    const own = wordFeatures(words[w] as string, bits)
    const paired = pairs.slice(0, pairFeatures(hashes, w, bits, pairs))
    parts.push(own, paired)
    total += own.length + paired.length
  }
  const out = new Uint32Array(total)
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

/** A word's hash, from which its pair features are made. */
export const wordHash = (word: string): number => fnv(word, WORD_SEED)

/**
 * The features of a word alone, whatever its neighbours: the word, and each character n-gram of
 * it with its boundaries marked (`<word>`). The same word always gives the same features, so a
 * scorer may add them up once per distinct word.
 */
export function wordFeatures(word: string, bits: number): Uint32Array {
  const shift = 32 - bits
  const length = word.length + 2
  let count = 1
  for (let n = CHAR_NGRAM_MIN; n <= CHAR_NGRAM_MAX; n++) count += Math.max(0, length - n + 1)
  const out = new Uint32Array(count)
  out[0] = mix(wordHash(word)) >>> shift
  let at = 1
  for (let start = 0; start + CHAR_NGRAM_MIN <= length; start++) {
    let hash = CHAR_SEED
    const end = Math.min(length, start + CHAR_NGRAM_MAX)
    for (let i = start; i < end; i++) {
      const code = i === 0 || i === length - 1 ? 0x3c : word.charCodeAt(i - 1)
      hash = Math.imul(hash ^ code, 0x01000193)
      if (i - start + 1 >= CHAR_NGRAM_MIN) out[at++] = mix(hash) >>> shift
    }
  }
  return out
}

/**
 * Writes into `out` the features pairing word `w` with each of the words up to
 * {@link SKIP_PAIR_DISTANCE} before it, and returns how many.
 */
export function pairFeatures(
  hashes: ArrayLike<number>,
  w: number,
  bits: number,
  out: Uint32Array,
): number {
  const shift = 32 - bits
  const count = Math.min(w, SKIP_PAIR_DISTANCE)
  const hash = hashes[w] as number
  for (let back = 1; back <= count; back++) {
    const seed = back === 1 ? BIGRAM_SEED : SKIP_SEED
    out[back - 1] = mix((hashes[w - back] as number) ^ Math.imul(hash, seed)) >>> shift
  }
  return count
}

/** FNV-1a over UTF-16 code units. */
function fnv(text: string, seed: number): number {
  let hash = seed
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193)
  return hash
}

/** A 32-bit finaliser (MurmurHash3's), so that the high bits used as the index are mixed. */
function mix(value: number): number {
  let h = value ^ (value >>> 16)
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}
