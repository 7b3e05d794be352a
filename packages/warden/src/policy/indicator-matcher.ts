import { negationBefore, readMention, sentenceOf, type Reading } from './mention-reading.js'

/** A policy indicator ready to search text with. */
export interface CompiledIndicator {
  /** The phrase as the policy writes it (`cold e-mail*`). */
  readonly phrase: string
  readonly pattern: RegExp
}

/** Where an indicator occurs in a text, and how the sentence around it reads. */
export interface Mention {
  /** The indicator that matched. */
  readonly phrase: string
  /** The words as the text writes them, whitespace collapsed. */
  readonly text: string
  readonly start: number
  readonly end: number
  readonly reading: Reading
}

/**
 * A letter or digit, for word boundaries and `*` endings: Latin (with its accented letters),
 * Greek and Cyrillic. Not `\p{L}`: with the case-insensitive flag, a thousand indicators using
 * Unicode property classes take V8 seconds to compile; these ranges take a tenth of one.
 */
const LETTER = '[0-9a-z\\u00C0-\\u024F\\u0370-\\u03FF\\u0400-\\u04FF]'
/** A `*` standing alone: one word, which may hold an apostrophe or a hyphen (`people's`). */
const ANY_WORD = `${LETTER}+(?:['’-]${LETTER}+)*`
/** Between two words of a phrase: spaces, or a hyphen or slash (`sock puppet` finds `sock-puppet`). */
const BETWEEN_WORDS = '(?:\\s+|\\s*[-/]\\s*)'
/** A hyphen inside a word matches a hyphen, a space or nothing: `e-mail` finds `email`, `e mail`. */
const INSIDE_HYPHEN = '(?:\\s*-\\s*|\\s)?'

function escapeLiteral(part: string): string {
  return part
    .split('')
    .map((char) => {
      if (char === "'" || char === '’') return "['’]"
      if (char === '-') return INSIDE_HYPHEN
      return /[\p{L}\p{N}]/u.test(char) ? char : `\\${char}`
    })
    .join('')
}

function wordPattern(word: string): string {
  if (word === '*') return ANY_WORD
  return word.endsWith('*') ? `${escapeLiteral(word.slice(0, -1))}${LETTER}*` : escapeLiteral(word)
}

/**
 * Compiles one indicator: case-insensitive, on word boundaries; `*` at the end of a word matches
 * any ending (`phish*`), `*` alone stands for one word.
 */
export function compileIndicator(phrase: string): CompiledIndicator {
  const words = phrase.trim().split(/\s+/).map(wordPattern)
  const body = words.join(BETWEEN_WORDS)
  return { phrase, pattern: new RegExp(`(?<!${LETTER})${body}(?!${LETTER})`, 'giu') }
}

/** Two lists of indicators that count where one of each occurs in the same sentence. */
export interface CompiledTogether {
  readonly any: readonly CompiledIndicator[]
  readonly with: readonly CompiledIndicator[]
}

interface Span {
  readonly phrase: string
  readonly start: number
  readonly end: number
}

/** Where the indicators match; of overlapping matches (`phishing`, `phish*`) the longest. */
function locate(text: string, indicators: readonly CompiledIndicator[]): Span[] {
  const found: Span[] = []
  for (const { phrase, pattern } of indicators) {
    for (const match of text.matchAll(pattern)) {
      found.push({ phrase, start: match.index, end: match.index + match[0].length })
    }
  }
  found.sort((a, b) => a.start - b.start || b.end - a.end)
  const kept: Span[] = []
  let reach = -1
  for (const span of found) {
    if (span.start < reach) continue
    reach = span.end
    kept.push(span)
  }
  return kept
}

const wordsAt = (text: string, span: Span) => text.slice(span.start, span.end).replace(/\s+/g, ' ')

/** Every mention of the indicators in `text`, in text order, each read in its sentence. */
export function findMentions(text: string, indicators: readonly CompiledIndicator[]): Mention[] {
  return locate(text, indicators).map((span) => ({
    ...span,
    text: wordsAt(text, span),
    reading: readMention(text, span.start, span.end),
  }))
}

/** Two parts of a pair this close are quoted as one run of words, not with "…" between. */
const NEAR_CHARS = 24

/**
 * Every sentence of `text` where a phrase of `any` and one of `with` both occur, as one mention
 * from the first to the last of the two ("sexual … 14-year-old"), read as a whole: a negation
 * before it or a defensive word around it sets the pair aside.
 */
export function findTogether(text: string, together: CompiledTogether): Mention[] {
  const seconds = locate(text, together.with)
  const mentions: Mention[] = []
  let sentenceEnd = -1
  for (const first of locate(text, together.any)) {
    if (first.start < sentenceEnd) continue
    const sentence = sentenceOf(text, first.start, first.end)
    const second = seconds.find(
      (s) =>
        s.start >= sentence.start &&
        s.end <= sentence.end &&
        (s.end <= first.start || s.start >= first.end),
    )
    if (!second) continue
    sentenceEnd = sentence.end
    const [a, b] = first.start < second.start ? [first, second] : [second, first]
    const negated = negationBefore(text, a.start) ?? negationBefore(text, b.start)
    mentions.push({
      phrase: `${first.phrase} + ${second.phrase}`,
      text:
        b.start - a.end <= NEAR_CHARS
          ? wordsAt(text, { ...a, end: b.end })
          : `${wordsAt(text, a)} … ${wordsAt(text, b)}`,
      start: a.start,
      end: b.end,
      // Either part may be negated on its own: "from the door camera, without identifying anyone".
      reading: negated ? { kind: 'negated', cue: negated } : readMention(text, a.start, b.end),
    })
  }
  return mentions
}
