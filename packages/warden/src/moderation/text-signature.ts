/**
 * A 64-bit SimHash of a text: near-identical texts (a few words changed, added or dropped) get
 * signatures a few bits apart, unrelated ones about 32 bits apart. Monitoring compares them to
 * find bursts of near-identical prompts or answers without keeping any text.
 *
 * Features are word bigrams (lower-cased ASCII letters and digits, any other non-space,
 * non-punctuation character as is), each hashed twice with FNV-1a into 64 bits. One pass over
 * the characters, no substring or array per word.
 */

/** Characters of a text read at most: the start of a long text decides its signature. */
export const SIGNATURE_MAX_CHARS = 4096
/** Texts with fewer words than this get no signature: short answers collide by nature. */
export const SIGNATURE_MIN_WORDS = 8

const FNV_OFFSET = 0x811c9dc5
const FNV_PRIME = 0x01000193

/** Whether a UTF-16 code unit is part of a word. */
function isWordCode(code: number): boolean {
  if (code < 128) {
    return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122)
  }
  // Non-ASCII: letters of every script count; general punctuation and spaces do not.
  return !(code >= 0x2000 && code <= 0x206f) && code !== 0x00a0 && code !== 0x3000
}

/** A 32-bit mix (murmur3's finalizer), to derive independent halves from one word pair. */
function mix(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/**
 * Per-bit counts of the features' set bits, bit-sliced: `low[i]` holds bit i of the 32 counters
 * of the signature's low half. Adding a feature is a ripple-carry add of one 32-bit word, about
 * two operations, instead of 64 counter updates. Reused across calls (the function is
 * synchronous); 13 levels count up to 8,191 features, more than 4,096 characters can hold.
 */
const LEVELS = 13
const lowCounts = new Int32Array(LEVELS)
const highCounts = new Int32Array(LEVELS)

function count(counters: Int32Array, word: number): void {
  let carry = word
  for (let i = 0; carry !== 0 && i < LEVELS; i += 1) {
    const level = counters[i] as number
    counters[i] = level ^ carry
    carry &= level
  }
}

/** The bits set in more than half of `features` features. */
function majority(counters: Int32Array, features: number): number {
  let out = 0
  for (let bit = 0; bit < 32; bit += 1) {
    let ones = 0
    for (let i = 0; i < LEVELS; i += 1) ones |= (((counters[i] as number) >>> bit) & 1) << i
    if (ones * 2 > features) out |= 1 << bit
  }
  return out >>> 0
}

/**
 * The SimHash of `text` as 16 hex digits, or null when it has fewer than
 * {@link SIGNATURE_MIN_WORDS} words in its first {@link SIGNATURE_MAX_CHARS} characters.
 */
export function textSignature(text: string): string | null {
  const end = Math.min(text.length, SIGNATURE_MAX_CHARS)
  lowCounts.fill(0)
  highCounts.fill(0)
  let words = 0
  let previous = 0
  let hash = FNV_OFFSET
  let inWord = false
  for (let i = 0; i <= end; i += 1) {
    const code = i < end ? text.charCodeAt(i) : 32
    if (isWordCode(code)) {
      const lower = code >= 65 && code <= 90 ? code + 32 : code
      hash = Math.imul(hash ^ lower, FNV_PRIME)
      inWord = true
    } else if (inWord) {
      const word = hash >>> 0
      if (words > 0) {
        const pair = Math.imul(previous, 31) ^ word
        count(lowCounts, mix(pair))
        count(highCounts, mix(pair ^ 0x9e3779b9))
      }
      previous = word
      words += 1
      hash = FNV_OFFSET
      inWord = false
    }
  }
  if (words < SIGNATURE_MIN_WORDS) return null
  const features = words - 1
  const low = majority(lowCounts, features)
  const high = majority(highCounts, features)
  return high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0')
}
