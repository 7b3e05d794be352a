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
  const cleaned = text.replace(LINK, ' httplink ').replace(MENTION, ' ')
  return normalizeText(cleaned).match(WORD) ?? []
}

/**
 * Every feature index of `words`, one per occurrence: each word, each pair of words up to
 * {@link SKIP_PAIR_DISTANCE} apart, and each character n-gram of each word with its boundaries
 * marked (`<word>`).
 */
export function featureIndices(words: readonly string[], bits: number): Uint32Array {
  const shift = 32 - bits
  const out = new Uint32Array(countFeatures(words))
  const hashes = new Int32Array(words.length)
  let at = 0
  for (let w = 0; w < words.length; w++) {
    const word = words[w] as string
    const hash = fnv(word, WORD_SEED)
    hashes[w] = hash
    out[at++] = mix(hash) >>> shift
    if (w > 0) out[at++] = mix((hashes[w - 1] as number) ^ Math.imul(hash, BIGRAM_SEED)) >>> shift
    for (let back = 2; back <= SKIP_PAIR_DISTANCE && back <= w; back++) {
      out[at++] = mix((hashes[w - back] as number) ^ Math.imul(hash, SKIP_SEED)) >>> shift
    }
    at = charNgrams(word, shift, out, at)
  }
  return out
}

/** How many features {@link featureIndices} yields for `words`. */
function countFeatures(words: readonly string[]): number {
  let count = 0
  for (let w = 0; w < words.length; w++) {
    const padded = (words[w] as string).length + 2
    count += 1 + Math.min(w, SKIP_PAIR_DISTANCE)
    for (let n = CHAR_NGRAM_MIN; n <= CHAR_NGRAM_MAX; n++) count += Math.max(0, padded - n + 1)
  }
  return count
}

/** Writes the character n-grams of `<word>` from `at`, hashed incrementally from each start. */
function charNgrams(word: string, shift: number, out: Uint32Array, at: number): number {
  const length = word.length + 2
  for (let start = 0; start + CHAR_NGRAM_MIN <= length; start++) {
    let hash = CHAR_SEED
    const end = Math.min(length, start + CHAR_NGRAM_MAX)
    for (let i = start; i < end; i++) {
      const code = i === 0 || i === length - 1 ? 0x3c : word.charCodeAt(i - 1)
      hash = Math.imul(hash ^ code, 0x01000193)
      if (i - start + 1 >= CHAR_NGRAM_MIN) out[at++] = mix(hash) >>> shift
    }
  }
  return at
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
