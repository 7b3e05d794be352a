import { z } from 'zod'
import {
  judgedAtOnce,
  type Classifier,
  type ClassifierKind,
  type ClassifyInput,
  type Finding,
} from './classifier.js'
import {
  COMPACT_RULES,
  INJECTION_RULES,
  ROT13_HINTS,
  type InjectionLabel,
} from './injection-phrases.js'
import { normalizeText } from './normalize-text.js'
import {
  findPhrases,
  fold,
  placeHits,
  wordsOf,
  type PhraseHit,
  type PhraseRule,
} from './phrase-rules.js'
import { matchesOf } from './regex-matches.js'

/**
 * The local prompt-injection classifier (kind `injection`, category `prompt_injection`): phrase
 * rules for instruction overrides, persona jailbreaks and prompt exfiltration, in English,
 * Spanish, French and German ({@link INJECTION_RULES}), found in the folded text (leet, spaced
 * letters, look-alike letters and invisible characters undone), in the letters alone (words
 * split across messages or spelled apart), and in what base64, hex and rot13 runs decode to.
 *
 * Scores: 0.85 and up, a phrase with no benign reading (block-worthy at the production
 * threshold 0.7); 0.6–0.8, an attack in most prompts (over the sandbox threshold 0.5); under
 * 0.5, a hint. A phrase quoted in a text about attacks ("detect prompts like 'ignore previous
 * instructions'") keeps 40% of its score: what is discussed is not what is asked.
 */

export const injectionOptions = z.object({
  /** Findings under this score are not reported. */
  minScore: z.number().min(0).max(1).default(0.3),
  /** Whether base64, hex and rot13 runs are decoded and checked again. */
  decode: z.boolean().default(true),
  /** Most characters decoded per text, all runs together: bounds the work on hostile input. */
  maxDecodedChars: z
    .number()
    .int()
    .positive()
    .default(64 * 1024),
})
export type InjectionOptions = z.infer<typeof injectionOptions>

export const injectionClassifierKind: ClassifierKind<InjectionOptions> = {
  kind: 'injection',
  options: injectionOptions,
  create: (id, options) => createInjectionClassifier(id, options),
}

/** Builds the classifier; `options` as {@link injectionOptions} parses them. */
export function createInjectionClassifier(
  id = 'injection',
  options: InjectionOptions = injectionOptions.parse({}),
): Classifier {
  return {
    id,
    ...judgedAtOnce(({ text, signal }: ClassifyInput): readonly Finding[] => {
      signal.throwIfAborted()
      const folded = fold(text)
      const find = (again: string): Hit[] =>
        bestDamped(again, findInFolded(again)).filter((hit) => hit.score >= options.minScore)
      const damped = placeHits(text, folded, find(folded), find)
      signal.throwIfAborted()
      const decoded = options.decode ? findInDecoded(text, options.maxDecodedChars, signal) : []
      return bestPerLabel([...damped, ...decoded], options.minScore, id)
    }),
  }
}

type Hit = PhraseHit<InjectionLabel>
type PlacedHit = Hit & { readonly span: { readonly start: number; readonly end: number } }

/** Phrase hits in a folded text: as written, in its letters alone, and under rot13. */
function findInFolded(folded: string): Hit[] {
  const hits = findPhrases(folded, INJECTION_RULES)
  const covered = coverage(folded.length, hits)
  const compact = findCompact(folded).filter((c) => covered(c.start, c.end) === 0)
  return [...hits, ...compact, ...findRot13(folded)]
}

/** Verbs and nouns of {@link COMPACT_RULES} that survive a split between messages. */
const COMPACT_WORDS = ['ignore', 'disregard', 'forget', 'override', 'bypass', 'pretend', 'system']

/**
 * Whether the letters alone are worth reading: a verb of the compact rules stands whole, or a
 * very long word does (letters spelled apart fold into one).
 */
function worthCompacting(folded: string): boolean {
  const words = wordsOf(folded)
  if (COMPACT_WORDS.some((word) => words.places.has(word))) return true
  for (const word of words.places.keys()) if (word.length >= 24) return true
  return false
}

/** {@link COMPACT_RULES} on the letters of a folded text, placed back in it. */
function findCompact(folded: string): Hit[] {
  if (!worthCompacting(folded)) return []
  const letters = folded.replace(/[^a-z]+/g, '')
  const rules = compactRulesIn(letters)
  if (rules.length === 0) return []
  const hits = findPhrases(letters, rules)
  if (hits.length === 0) return []
  const at = new Uint32Array(letters.length)
  for (let i = 0, k = 0; i < folded.length; i++) {
    const c = folded.charCodeAt(i)
    if (c >= 97 && c <= 122) at[k++] = i
  }
  return hits.map((hit) => {
    const start = at[hit.start] ?? 0
    const end = (at[hit.end - 1] ?? start) + 1
    const label = folded.slice(start, end).includes('\n') ? 'split_payload' : 'encoded_payload'
    return { ...hit, label, start, end }
  })
}

/** The subsets of {@link COMPACT_RULES} met so far, by which rules they hold (bit i: rule i). */
const COMPACT_SUBSETS = new Map<number, readonly PhraseRule<InjectionLabel>[]>()

/**
 * The compact rules whose needed words the letters hold, as the same array for the same subset
 * each time (phrase rules work out their stems once per array).
 */
function compactRulesIn(letters: string): readonly PhraseRule<InjectionLabel>[] {
  let mask = 0
  COMPACT_RULES.forEach(({ needs }, i) => {
    if (needs.every((group) => group.some((word) => letters.includes(word)))) mask |= 1 << i
  })
  let rules = COMPACT_SUBSETS.get(mask)
  if (rules === undefined) {
    rules = COMPACT_RULES.filter((_, i) => (mask & (1 << i)) !== 0).map(({ rule }) => rule)
    COMPACT_SUBSETS.set(mask, rules)
  }
  return rules
}

/** Rules found in the rot13 reading of a text that spells two or more of their words in rot13. */
function findRot13(folded: string): Hit[] {
  const words = wordsOf(folded)
  if (ROT13_HINTS.filter((word) => words.places.has(word)).length < 2) return []
  const decoded = folded.replace(/[a-z]/g, (c) =>
    String.fromCharCode(((c.charCodeAt(0) - 97 + 13) % 26) + 97),
  )
  return findPhrases(decoded, INJECTION_RULES).map((hit) => ({
    ...hit,
    label: 'encoded_payload',
    score: Math.min(0.99, hit.score + 0.05),
  }))
}

/** Characters of base64, standard or URL-safe. */
const BASE64_CHAR = new Uint8Array(128)
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-') {
  BASE64_CHAR[c.charCodeAt(0)] = 1
}

/**
 * Runs of base64 long enough to hide a sentence (16 characters and up, with their `=` padding),
 * found by a plain loop: a regex tries every position of a long prompt, a loop reads it once.
 */
function base64Runs(text: string): [number, number][] {
  const runs: [number, number][] = []
  let start = -1
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0
    if (c < 128 && BASE64_CHAR[c]) {
      if (start < 0) start = i
    } else if (start >= 0) {
      let end = i
      while (end < text.length && end - i < 2 && text.charCodeAt(end) === 61) end++
      if (i - start >= 16) runs.push([start, end])
      start = -1
    }
  }
  return runs
}

const HEX_DIGIT = new Uint8Array(128)
for (const c of '0123456789abcdefABCDEF') HEX_DIGIT[c.charCodeAt(0)] = 1
const isHexAt = (text: string, i: number): boolean => HEX_DIGIT[text.charCodeAt(i)] === 1
const isPairSeparatorAt = (text: string, i: number): boolean => {
  const c = text.charCodeAt(i)
  return c === 32 || c === 58 || c === 44
}

/**
 * Whether a text holds 24 hex digits in a row, or five pairs of them split by one ` `, `:` or
 * `,` (`/[0-9a-f]{24}/i` or `/[0-9a-f]{2}[ :,][0-9a-f]{2}…/i`, five pairs): worth the
 * {@link HEX_RUN} scan. One pass; five pairs can only start with the last two digits of a run.
 */
function holdsHex(text: string): boolean {
  let run = 0
  for (let i = 0; i <= text.length; i++) {
    if (i < text.length && isHexAt(text, i)) {
      if (++run >= 24) return true
      continue
    }
    if (run >= 2 && fivePairsAt(text, i - 2)) return true
    run = 0
  }
  return false
}

function fivePairsAt(text: string, at: number): boolean {
  for (let k = 0; k < 5; k++) {
    const pair = at + 3 * k
    if (!isHexAt(text, pair) || !isHexAt(text, pair + 1)) return false
    if (k < 4 && !isPairSeparatorAt(text, pair + 2)) return false
  }
  return true
}

/** Runs of hex long enough to hide a sentence, with or without separators and `\\x`/`0x`. */
const HEX_RUN =
  /(?<![0-9a-fA-F])(?:\\x|0x)?[0-9a-fA-F]{2}(?:[\s:,]?(?:\\x|0x)?[0-9a-fA-F]{2}){11,}/g

/**
 * Phrase hits in what base64 and hex runs of the original decode to, placed on the run. Runs
 * that decode to binary are passed over; at most `budget` characters are decoded in all.
 */
function findInDecoded(text: string, budget: number, signal: AbortSignal): PlacedHit[] {
  const found: PlacedHit[] = []
  let left = budget
  const check = (start: number, run: string, decode: (run: string) => string): void => {
    if (left <= 0) return
    left -= run.length
    const decoded = decode(run)
    if (!isReadable(decoded)) return
    const folded = normalizeText(decoded)
    const hits = [...findPhrases(folded, INJECTION_RULES), ...findCompact(folded)]
    const best = hits.reduce((a, b) => (b.score > a ? b.score : a), 0)
    if (best === 0) return
    const span = { start, end: start + run.length }
    const score = Math.min(0.99, best + 0.05)
    found.push({ label: 'encoded_payload', score, start, end: span.end, span })
  }
  for (const [start, end] of base64Runs(text)) {
    if (left <= 0) break
    const run = text.slice(start, end)
    if (looksLikeBase64(run)) check(start, run, decodeBase64)
  }
  signal.throwIfAborted()
  const hexLikely = text.includes('\\x') || text.includes('0x') || holdsHex(text)
  for (const match of hexLikely ? matchesOf(HEX_RUN, text) : []) {
    if (left <= 0) break
    check(match.index, match[0], decodeHex)
  }
  return found
}

/**
 * Base64 of a sentence mixes cases and has digits or `+/=`; a long identifier
 * (`getElementsByClassName`) or a word does not, and is not worth decoding.
 */
function looksLikeBase64(run: string): boolean {
  return run.length % 4 !== 1 && /[a-z]/.test(run) && /[A-Z]/.test(run) && /[0-9+/=]/.test(run)
}

const decodeBase64 = (run: string): string => Buffer.from(run, 'base64').toString('utf8')
const decodeHex = (run: string): string =>
  Buffer.from(run.replace(/\\x|0x|[^0-9a-fA-F]/g, ''), 'hex').toString('utf8')

/** Mostly printable text: at least nine characters in ten are letters, digits, spaces or marks. */
function isReadable(decoded: string): boolean {
  if (decoded.length < 8) return false
  let printable = 0
  for (let i = 0; i < decoded.length; i++) {
    const c = decoded.charCodeAt(i)
    if ((c >= 0x20 && c < 0x7f) || c === 0x0a || c === 0x0d || c === 0x09) printable++
    else if (c >= 0xa0 && c !== 0xfffd) printable++
  }
  return printable >= decoded.length * 0.9
}

const QUOTES = new Set(['"', "'", '`', '“', '”', '‘', '’', '«', '»', '„'])
/** Words of a text about attacks, rather than one making an attack. */
const DISCUSSION =
  /\b(?:examples?|such as|detect\w*|defen[cd]\w*|attacks?|attackers?|injections?|jailbreaks?|research\w*|paper|article|blog|filters?|block\w*|tests?|classifier|slides?|training|security|phrases?|strings?|like|why|explain|say|said|means?|translate)\b/

/** 0.4 when a hit is quoted in a text about attacks, else 1. */
function discussed(folded: string, hit: Hit): number {
  let before = hit.start - 1
  while (before >= 0 && folded.charAt(before) === ' ') before--
  if (!QUOTES.has(folded.charAt(before))) return 1
  const window = folded.slice(Math.max(0, hit.start - 300), hit.end + 300)
  return DISCUSSION.test(window) ? 0.4 : 1
}

/**
 * The best hit of each label once quoted phrases are damped, so that only those are placed in
 * the original text. Hits are visited best first and the visit stops once no later one can win:
 * a megabyte of one phrase repeated is not a window read per phrase.
 */
function bestDamped(folded: string, hits: readonly Hit[]): Hit[] {
  const best = new Map<InjectionLabel, Hit>()
  for (const hit of [...hits].sort((a, b) => b.score - a.score)) {
    const known = best.get(hit.label)
    if (known && known.score >= hit.score) continue
    const damped = { ...hit, score: hit.score * discussed(folded, hit) }
    if (!known || damped.score > known.score) best.set(hit.label, damped)
  }
  return [...best.values()]
}

/** How many units of `[start, end)` the hits cover: a prefix sum, built once for many asks. */
function coverage(length: number, hits: readonly Hit[]): (start: number, end: number) => number {
  if (hits.length === 0) return () => 0
  const marks = new Int32Array(length + 1)
  for (const hit of hits) {
    marks[hit.start]! += 1
    marks[hit.end]! -= 1
  }
  const sums = new Int32Array(length + 1)
  for (let i = 0, depth = 0, total = 0; i < length; i++) {
    depth += marks[i]!
    if (depth > 0) total++
    sums[i + 1] = total
  }
  return (start, end) => sums[end]! - sums[start]!
}

/** One finding per technique: its best hit, when that reaches `minScore`; the best first. */
function bestPerLabel(hits: readonly PlacedHit[], minScore: number, classifier: string): Finding[] {
  const best = new Map<InjectionLabel, PlacedHit>()
  for (const hit of hits) {
    const known = best.get(hit.label)
    if (!known || hit.score > known.score) best.set(hit.label, hit)
  }
  return [...best.values()]
    .filter((hit) => hit.score >= minScore)
    .sort((a, b) => b.score - a.score)
    .map((hit) => ({
      category: 'prompt_injection',
      score: Math.round(hit.score * 1000) / 1000,
      span: hit.span,
      label: hit.label,
      classifier,
    }))
}
