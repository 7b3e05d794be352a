import type { TextSpan } from './classifier.js'
import { normalizeText, normalizeTextWithOffsets, type NormalizedText } from './normalize-text.js'
import { matchesOf } from './regex-matches.js'

/**
 * Phrase rules: the shared machinery of the local phrase classifiers (injection, profiling,
 * profanity, spam). A rule is a regex over the folded text ({@link normalizeText}); a hit is
 * placed back in the original text only once there is one, since the folding with offsets costs
 * many times the plain one and most texts have no hit at all.
 */

/** One phrase and what finding it stands for. */
export interface PhraseRule<Label extends string = string> {
  /** What the finding is called (`instruction_override`, `slur`…). */
  readonly label: Label
  /** The finding's score when this phrase is found alone. */
  readonly score: number
  /**
   * Over folded text (lower case, no diacritics); global. Built so that no two parts can match
   * the same characters, so a scan stays linear on hostile input.
   */
  readonly pattern: RegExp
  /**
   * Words the rule cannot match without, in groups: the rule runs only on a text that holds a
   * word of every group. A substring test costs next to nothing beside a scan of the pattern.
   */
  readonly cues?: readonly (readonly string[])[]
  /**
   * The words every match begins with, when the rule is anchored (see {@link startingWith}): it
   * is then tried only where one of them stands, instead of at every position of the text.
   */
  readonly starts?: readonly string[]
  /** The pattern, global, for a text where the start words stand too often to visit each. */
  readonly scan?: RegExp
}

/** Past this many places to try, one scan of the text costs less than a match at each. */
const MOST_PLACES = 2000

/** A rule's hit: where in the folded text, and what it stands for. */
export interface PhraseHit<Label extends string = string> {
  readonly label: Label
  readonly score: number
  readonly start: number
  readonly end: number
}

/** Every hit of every rule in a folded text, in rule order. */
export function findPhrases<Label extends string>(
  folded: string,
  rules: readonly PhraseRule<Label>[],
): PhraseHit<Label>[] {
  const found = stemsIn(folded, rules)
  const hits: PhraseHit<Label>[] = []
  for (const rule of rules) {
    if (rule.cues && !rule.cues.every((group) => group.some((cue) => found.has(cue)))) continue
    const places = rule.starts?.flatMap((word) => found.get(word) ?? [])
    const matches =
      places && rule.scan && places.length <= MOST_PLACES
        ? matchAt(folded, rule.pattern, places)
        : matchesOf(rule.scan ?? rule.pattern, folded)
    for (const match of matches) {
      const end = match.index + match[0].length
      hits.push({ label: rule.label, score: rule.score, start: match.index, end })
    }
  }
  return hits
}

/** Matches of a sticky pattern tried at each of `places`, left to right, never overlapping. */
function matchAt(folded: string, pattern: RegExp, places: readonly number[]): RegExpExecArray[] {
  const matches: RegExpExecArray[] = []
  let reached = 0
  for (const at of [...new Set(places)].sort((a, b) => a - b)) {
    if (at < reached) continue
    pattern.lastIndex = at
    const match = pattern.exec(folded)
    if (match) {
      matches.push(match)
      reached = at + match[0].length
    }
  }
  return matches
}

/** A character of {@link WORD}: a letter, a digit or an apostrophe. */
const isWordChar = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 39

/** The words of a text: where each begins, and each word under its first two letters. */
export interface WordIndex {
  readonly places: ReadonlyMap<string, readonly number[]>
  readonly byKey: ReadonlyMap<number, readonly string[]>
}

let lastIndexed: string | undefined
let lastWords: WordIndex = { places: new Map(), byKey: new Map() }

/**
 * The words of a folded text and where each begins, remembered for the last text as
 * {@link fold} is: every phrase classifier looks its words up here instead of scanning the text
 * once per word it cares about.
 */
export function wordsOf(folded: string): WordIndex {
  if (folded === lastIndexed) return lastWords
  const places = new Map<string, number[]>()
  const byKey = new Map<number, string[]>()
  let start = -1
  for (let i = 0; i <= folded.length; i++) {
    if (i < folded.length && isWordChar(folded.charCodeAt(i))) {
      if (start < 0) start = i
    } else if (start >= 0) {
      const word = folded.slice(start, i)
      const known = places.get(word)
      if (known) known.push(start)
      else {
        places.set(word, [start])
        const key = keyOf(word)
        const list = byKey.get(key)
        if (list) list.push(word)
        else byKey.set(key, [word])
      }
      start = -1
    }
  }
  const index = { places, byKey }
  // Only the fold of the classified text is remembered: a decoded payload's words must not push
  // it out while the other classifiers still want it.
  if (folded === lastFolded) {
    lastIndexed = folded
    lastWords = index
  }
  return index
}

/** A number standing for the first two code units of a word: a map key without a string. */
const keyOf = (text: string, at = 0): number =>
  text.charCodeAt(at) * 0x10000 + (text.length > at + 1 ? text.charCodeAt(at + 1) : 0)

/** A cue or start stem, with what {@link stemsIn} asks of it worked out once. */
interface Stem {
  readonly text: string
  /** Its first word, which must begin a word of the text. */
  readonly head: string
  /** {@link keyOf} its first two letters: the words it may begin. */
  readonly key: number
  /** More than one word: checked in place at each word it may begin. */
  readonly phrase: boolean
}

/** The cue and start stems of a rule set, each once, under their keys; built once per set. */
const STEMS = new WeakMap<readonly PhraseRule[], ReadonlyMap<number, readonly Stem[]>>()

function stemsOf(rules: readonly PhraseRule[]): ReadonlyMap<number, readonly Stem[]> {
  const known = STEMS.get(rules)
  if (known) return known
  const texts = new Set(
    rules.flatMap((rule) => [...(rule.cues ?? []).flat(), ...(rule.starts ?? [])]),
  )
  const byKey = new Map<number, Stem[]>()
  for (const text of texts) {
    const stem = {
      text,
      head: text.split(' ', 1)[0]!,
      key: keyOf(text),
      phrase: text.includes(' '),
    }
    const list = byKey.get(stem.key)
    if (list) list.push(stem)
    else byKey.set(stem.key, [stem])
  }
  STEMS.set(rules, byKey)
  return byKey
}

/**
 * Where each cue or start stem of `rules` begins a word of the text: a stem of one word matches
 * the words it begins ("ignor" in "ignoring"), one of several words is checked in place. The
 * text's words are visited by their first two letters, and only the stems under the same two
 * looked at: a short prompt costs a few lookups, not one per stem of the rules. Pass the same
 * array of rules each time: what is worked out of them is kept per array.
 */
function stemsIn(folded: string, rules: readonly PhraseRule[]): Map<string, number[]> {
  const found = new Map<string, number[]>()
  const stems = stemsOf(rules)
  if (stems.size === 0) return found
  const { places, byKey } = wordsOf(folded)
  for (const [key, words] of byKey) {
    for (const stem of stems.get(key) ?? []) {
      for (const word of words) {
        if (!word.startsWith(stem.head)) continue
        for (const p of places.get(word) ?? []) {
          if (!stem.phrase || folded.startsWith(stem.text, p)) add(found, stem.text, p)
        }
      }
    }
  }
  return found
}

function add(found: Map<string, number[]>, stem: string, place: number): void {
  const places = found.get(stem)
  if (places) places.push(place)
  else found.set(stem, [place])
}

/**
 * Places hits found in `normalizeText(text)` in the original text. When the offset-carrying fold
 * reads differently (a rare composition across characters), `findAgain` runs on its text instead,
 * so a span always covers what was found.
 */
export function placeHits<Hit extends { readonly start: number; readonly end: number }>(
  text: string,
  folded: string,
  hits: readonly Hit[],
  findAgain: (folded: string) => readonly Hit[],
): (Hit & { readonly span: TextSpan })[] {
  if (hits.length === 0) return []
  if (folded === text.toLowerCase() && folded.length === text.length) {
    return hits.map((hit) => ({ ...hit, span: { start: hit.start, end: hit.end } }))
  }
  const tracked = foldedPrefix(text, folded, Math.max(...hits.map((hit) => hit.end)))
  const placed =
    tracked.text === folded.slice(0, tracked.text.length) ? hits : findAgain(tracked.text)
  return placed.map((hit) => ({
    ...hit,
    span: {
      start: tracked.starts[hit.start] ?? text.length,
      end: tracked.ends[Math.max(hit.start, hit.end - 1)] ?? text.length,
    },
  }))
}

/**
 * The offset-carrying fold of as much of `text` as covers the first `reach` units of its fold:
 * cut after a lone line break (no folding step reaches across one), the first at or past `reach`,
 * since most findings lie early and folding with offsets costs. The whole text when the cut's
 * fold does not cover `reach` or does not begin `folded`.
 */
function foldedPrefix(text: string, folded: string, reach: number): NormalizedText {
  for (let cut = text.indexOf('\n', reach); cut >= 0; cut = text.indexOf('\n', cut + 1)) {
    if (text.charCodeAt(cut - 1) === 10 || text.charCodeAt(cut + 1) === 10) continue
    const prefix = normalizeTextWithOffsets(text.slice(0, cut + 1))
    if (prefix.text.length >= reach && folded.startsWith(prefix.text)) return prefix
    break
  }
  return normalizeTextWithOffsets(text)
}

/** Separators between words in a rule: anything but a letter or a digit, newlines included. */
export const SEP = "[^a-z0-9']+"
/** One word in a rule. */
export const WORD = "[a-z0-9']+"

/**
 * A separator, or up to `n` words of any kind with their separators: what may stand between two
 * words of a rule. Words and separators share no character, so the engine never has two ways to
 * read the same text, and a scan stays linear.
 */
export const gap = (n: number): string => `(?:${SEP}${WORD}){0,${n}}?${SEP}`

/** A choice of words or phrases, each written with single spaces standing for any separator. */
export const oneOf = (phrases: readonly string[]): string =>
  `(?:${phrases.map((p) => p.replaceAll(' ', SEP)).join('|')})`

/** A rule from a pattern source, compiled once; `cues` as {@link PhraseRule.cues}. */
export const rule = <Label extends string>(
  label: Label,
  score: number,
  source: string,
  ...cues: (readonly string[])[]
): PhraseRule<Label> => ({
  label,
  score,
  pattern: new RegExp(source, 'g'),
  ...(cues.length > 0 ? { cues } : {}),
})

let lastText: string | undefined
let lastFolded = ''

/**
 * {@link normalizeText}, remembering its last answer: the phrase classifiers are run one after
 * another on the same text, and folding it is most of what each one costs. One entry, of a pure
 * function, so it holds no state anyone could observe.
 */
export function fold(text: string): string {
  if (text !== lastText) {
    lastFolded = normalizeText(text)
    lastText = text
  }
  return lastFolded
}

/**
 * Anchors a rule on the words its matches begin with: V8 tries a long alternation at every
 * position of a text, which for a 16 KB prompt costs up to a millisecond a rule; looking the
 * first words up in {@link wordsOf} and matching only where they stand costs microseconds.
 */
export function startingWith<Label extends string>(
  rule: PhraseRule<Label>,
  starts: readonly string[],
): PhraseRule<Label> {
  return { ...rule, starts, pattern: new RegExp(rule.pattern.source, 'y'), scan: rule.pattern }
}
