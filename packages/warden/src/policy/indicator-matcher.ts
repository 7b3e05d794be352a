import { readMention, type Reading } from './mention-reading.js'

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

const LETTER = '[\\p{L}\\p{N}]'
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

/**
 * Every mention of the indicators in `text`, in text order. Where several indicators match
 * overlapping words (`phishing`, `phish*`), the longest mention stands for them.
 */
export function findMentions(text: string, indicators: readonly CompiledIndicator[]): Mention[] {
  const found: Array<{ phrase: string; start: number; end: number }> = []
  for (const { phrase, pattern } of indicators) {
    for (const match of text.matchAll(pattern)) {
      found.push({ phrase, start: match.index, end: match.index + match[0].length })
    }
  }
  found.sort((a, b) => a.start - b.start || b.end - a.end)
  const kept: Mention[] = []
  let reach = -1
  for (const { phrase, start, end } of found) {
    if (start < reach) continue
    reach = end
    kept.push({
      phrase,
      text: text.slice(start, end).replace(/\s+/g, ' '),
      start,
      end,
      reading: readMention(text, start, end),
    })
  }
  return kept
}
