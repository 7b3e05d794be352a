import { z } from 'zod'
import {
  judgedAtOnce,
  type Classifier,
  type ClassifierKind,
  type ClassifyInput,
  type Finding,
} from './classifier.js'
import { findPhrases, fold, oneOf, placeHits, rule, startingWith, wordsOf } from './phrase-rules.js'
import { matchesOf } from './regex-matches.js'

/**
 * The local spam classifier (kind `spam`, category `spam`): link farms (many links, shorteners,
 * one link over and over, links written to dodge filters: `hxxp`, `[.]`, "dot com"), bulk
 * promotion (sales phrases, crypto giveaways, shouting) and repeated text. Each signal adds to a
 * label's score; one link or one sales phrase alone stays under the thresholds (0.5 sandbox,
 * 0.8 production), a message built of them does not.
 */

export const SPAM_LABELS = ['links', 'promotion', 'repetition'] as const
/** Which kind of spam a finding names. */
export type SpamLabel = (typeof SPAM_LABELS)[number]

const URL = /\b(?:https?:\/\/|www\.)[^\s<>"')\]]+/gi
const SHORTENERS = new RegExp(
  `\\b${oneOf(['bit\\.ly', 'tinyurl\\.com', 't\\.co', 'goo\\.gl', 'ow\\.ly', 'is\\.gd', 'buff\\.ly', 'rebrand\\.ly', 'cutt\\.ly', 'shorturl\\.at', 'tiny\\.cc', 'rb\\.gy', 'bl\\.ink', 't\\.ly', 's\\.id'])}\\/`,
  'gi',
)
const MAYBE_OBFUSCATED = /hxxp|\[\.\]|\(\.\)|dot/i
/** Links written so that filters miss them. */
const OBFUSCATED_LINK =
  /\bhxxps?(?::\/\/|\[:\]\/\/)|\w\[\.\]\w|\w\(\.\)\w|\b[a-z0-9-]{2,}\s*(?:\[dot\]|\(dot\)|\{dot\}| dot )\s*(?:com|net|org|io|co|ru|biz|info|xyz|top)\b/gi

/** Sales and scam phrases, over folded text; written for this project. */
const PROMOTION = startingWith(
  rule(
    'promotion',
    0.3,
    `\\b${oneOf([
      'buy now',
      'order now',
      'order today',
      'shop now',
      'act now',
      'click here',
      'click the link',
      'limited (?:time )?offer',
      'limited time only',
      'today only',
      'while supplies last',
      'free trial',
      '100 ?% free',
      'risk free',
      'no risk',
      'money back guarantee',
      'guaranteed',
      'double your (?:bitcoin|btc|crypto|money|eth|investment)',
      'send \\d*[.,]?\\d* ?(?:btc|eth|bitcoin|usdt|sol)',
      'receive \\d*[.,]?\\d* ?(?:btc|eth|bitcoin|usdt|sol) back',
      'crypto giveaway',
      'giveaway',
      'airdrop',
      'claim your (?:prize|reward|bonus|gift)',
      'you (?:have )?won',
      'congratulations',
      'work(?:ing)? from home',
      'no experience (?:needed|required)',
      'earn \\$\\d+',
      'make \\$\\d+',
      'per (?:day|week) from home',
      'casino bonus',
      'free spins',
      'lose \\d+ (?:pounds|kg|lbs)',
      'cheap (?:pills|meds|viagra|cialis)',
      'viagra',
      'cialis',
      'no credit check',
      'dm (?:me )?now',
      'sign up now',
      'subscribe now',
      'follow me on',
      'best prices?',
      'best deals?',
      'exclusive deal',
      'special promotion',
      'verify your account',
      'will be suspended',
    ])}\\b`,
  ),
  [
    'buy',
    'order',
    'shop',
    'act',
    'click',
    'limited',
    'today',
    'while',
    'free',
    '100',
    'risk',
    'no',
    'money',
    'guaranteed',
    'double',
    'send',
    'receive',
    'crypto',
    'giveaway',
    'airdrop',
    'claim',
    'you',
    'congratulations',
    'work',
    'working',
    'earn',
    'make',
    'per',
    'casino',
    'lose',
    'cheap',
    'viagra',
    'cialis',
    'dm',
    'sign',
    'subscribe',
    'follow',
    'best',
    'exclusive',
    'special',
    'verify',
    'will',
  ],
)
/** The sales phrases as a rule set: one array, so that its stems are worked out once. */
const PROMOTION_RULES = [PROMOTION]
/** A discount: "70% off". Starts with a digit, so it is no word to look up. */
const PERCENT_OFF = /\d ?% off\b/g

export const spamOptions = z.object({
  /** Findings under this score are not reported. */
  minScore: z.number().min(0).max(1).default(0.3),
})
export type SpamOptions = z.infer<typeof spamOptions>

export const spamClassifierKind: ClassifierKind<SpamOptions> = {
  kind: 'spam',
  options: spamOptions,
  create: (id, options) => createSpamClassifier(id, options),
}

interface Hit {
  readonly label: SpamLabel
  readonly score: number
  readonly start: number
  readonly end: number
}

/** Builds the classifier; `options` as {@link spamOptions} parses them. */
export function createSpamClassifier(
  id = 'spam',
  options: SpamOptions = spamOptions.parse({}),
): Classifier {
  return {
    id,
    ...judgedAtOnce(({ text, signal }: ClassifyInput): readonly Finding[] => {
      signal.throwIfAborted()
      const folded = fold(text)
      const hits = [...findLinks(text), ...findRepetition(text, folded)].map((hit) => ({
        ...hit,
        span: { start: hit.start, end: hit.end },
      }))
      signal.throwIfAborted()
      const promotion = findPromotion(text, folded).filter((hit) => hit.score >= options.minScore)
      hits.push(...placeHits(text, folded, promotion, (again) => findPromotion(text, again)))
      const findings = corroborated(hits)
        .filter((hit) => hit.score >= options.minScore)
        .sort((a, b) => b.score - a.score)
        .map((hit) => ({
          category: 'spam',
          score: Math.round(hit.score * 1000) / 1000,
          span: hit.span,
          label: hit.label,
          classifier: id,
        }))
      return findings
    }),
  }
}

/** Adds evidence: each signal closes part of the distance to 1. */
const combine = (scores: readonly number[]): number =>
  1 - scores.reduce((left, score) => left * (1 - score), 1)

/** Links in the original text: how many, how many shortened, repeated or disguised. */
function findLinks(text: string): Hit[] {
  // The patterns start with alternations, which a regex engine tries at every position; a
  // substring test first keeps a long prompt without links from paying for them.
  const urls = text.includes('://') || text.includes('www.') ? [...matchesOf(URL, text)] : []
  const shortened = text.includes('/') ? [...matchesOf(SHORTENERS, text)] : []
  const obfuscated = MAYBE_OBFUSCATED.test(text) ? [...matchesOf(OBFUSCATED_LINK, text)] : []
  const all = [...urls, ...shortened, ...obfuscated]
  if (all.length === 0) return []
  const distinct = new Set(urls.map((u) => u[0].toLowerCase())).size
  const evidence = [
    Math.min(0.6, Math.max(0, urls.length - 2) * 0.15),
    Math.min(0.7, shortened.length * 0.3),
    // One disguised link is also how security writing cites a bad address: not spam alone.
    obfuscated.length > 0 ? 0.45 : 0,
    urls.length >= 3 && distinct <= urls.length / 2 ? 0.5 : 0,
    // A link farm is mostly links: little text around them.
    urls.length >= 3 && linkShare(text, urls) > 0.5 ? 0.3 : 0,
  ]
  return [{ label: 'links', score: combine(evidence), ...extent(all) }]
}

const linkShare = (text: string, urls: readonly RegExpMatchArray[]): number =>
  urls.reduce((sum, u) => sum + u[0].length, 0) / Math.max(1, text.replace(/\s+/g, '').length)

/** Sales phrases in the folded text, with shouting and exclamation marks of the original. */
function findPromotion(text: string, folded: string): Hit[] {
  const phrases = [
    ...findPhrases(folded, PROMOTION_RULES),
    ...[...matchesOf(PERCENT_OFF, folded)].map((m) => ({
      start: m.index,
      end: m.index + m[0].length,
    })),
  ]
  if (phrases.length === 0) return []
  let letters = 0
  let capitals = 0
  let exclamationMarks = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 65 && c <= 90) capitals++
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) letters++
    if (c === 33) exclamationMarks++
  }
  const exclamations = exclamationMarks / Math.max(1, text.length / 100)
  const evidence = [
    ...phrases.slice(0, 6).map(() => 0.3),
    letters >= 20 && capitals * 2 > letters ? 0.3 : 0,
    exclamations >= 2 ? 0.2 : 0,
    /[$€£]\s?\d|\d\s?(?:btc|eth)\b/i.test(text) ? 0.15 : 0,
  ]
  let start = Number.MAX_SAFE_INTEGER
  let end = 0
  for (const phrase of phrases) {
    start = Math.min(start, phrase.start)
    end = Math.max(end, phrase.end)
  }
  return [{ label: 'promotion', score: combine(evidence), start, end }]
}

/** The same line, or the same run of words, again and again. */
function findRepetition(text: string, folded: string): Hit[] {
  const lines = folded
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length >= 12)
  const counts = new Map<string, number>()
  for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1)
  const topLine = largest(counts.values())
  const { places } = wordsOf(folded)
  let wordCount = 0
  for (const at of places.values()) wordCount += at.length
  const distinctWords = places.size
  // One run of three words making a sixth of a text leaves few distinct words: without that,
  // counting runs is not worth it.
  const topShingle = distinctWords * 4 <= wordCount ? commonestRun(folded, places) : 0
  const evidence = [
    topLine >= 3 && topLine * 2 >= lines.length ? 0.4 + Math.min(0.4, (topLine - 3) * 0.1) : 0,
    // Three words over and over, making most of the text.
    topShingle >= 4 && topShingle * 3 * 2 >= wordCount ? 0.6 : 0,
    wordCount >= 12 && distinctWords * 6 <= wordCount ? 0.4 : 0,
  ]
  const score = combine(evidence)
  return score > 0 ? [{ label: 'repetition', score, start: 0, end: text.length }] : []
}

/** Runs of three words counted at most: a megabyte of words is not a megabyte of keys. */
const MOST_RUNS = 20_000

/**
 * How many times the commonest run of three words comes in a folded text (among its first
 * {@link MOST_RUNS} runs), from the text's word index: each word is numbered where it begins,
 * the numbers are read back in text order, and a run is keyed by its three numbers. Building a
 * string per run was most of spam's time on a 16 KB prompt of a few sentences repeated.
 */
function commonestRun(folded: string, places: ReadonlyMap<string, readonly number[]>): number {
  const wordAt = new Uint32Array(folded.length)
  let distinct = 0
  for (const at of places.values()) {
    distinct++
    for (const p of at) wordAt[p] = distinct
  }
  // Renumbered in order of appearance: at most MOST_RUNS + 2 numbers, so that a run's key
  // stays far below 2^53.
  const renumbered = new Uint32Array(distinct + 1)
  const sequence: number[] = []
  for (let p = 0; p < folded.length && sequence.length < MOST_RUNS + 2; p++) {
    const word = wordAt[p]!
    if (word === 0) continue
    if (renumbered[word] === 0) renumbered[word] = sequence.length + 1
    sequence.push(renumbered[word]!)
  }
  const base = sequence.length + 1
  const counts = new Map<number, number>()
  let top = 0
  for (let i = 0; i + 3 <= sequence.length; i++) {
    const key = (sequence[i]! * base + sequence[i + 1]!) * base + sequence[i + 2]!
    const count = (counts.get(key) ?? 0) + 1
    counts.set(key, count)
    if (count > top) top = count
  }
  return top
}

/** From the first match's start to the last one's end; a loop, since a megabyte has many. */
function extent(matches: readonly RegExpMatchArray[]): { start: number; end: number } {
  let start = Number.MAX_SAFE_INTEGER
  let end = 0
  for (const m of matches) {
    start = Math.min(start, m.index ?? 0)
    end = Math.max(end, (m.index ?? 0) + m[0].length)
  }
  return { start, end }
}

function largest(values: Iterable<number>): number {
  let top = 0
  for (const v of values) if (v > top) top = v
  return top
}

/**
 * Each label's score raised by half the strongest other label: a disguised link and a prize
 * claim are weak apart and spam together.
 */
function corroborated<Placed extends Hit>(hits: readonly Placed[]): Placed[] {
  return hits.map((hit) => {
    const other = Math.max(0, ...hits.filter((h) => h.label !== hit.label).map((h) => h.score))
    return { ...hit, score: combine([hit.score, other / 2]) }
  })
}
