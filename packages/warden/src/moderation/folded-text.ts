import { isInvisible } from './normalize-text.js'
import type { TextSpan } from './classifier.js'

/**
 * A text folded for matching structured values (numbers, addresses, keys), with the way back to
 * the original's offsets. Unlike `normalizeText` it never turns digits into letters or changes
 * case: it only undoes what hides a value from a pattern while leaving it readable — zero-width
 * and bidi characters inside it, full-width digits and letters, exotic spaces and dashes.
 */
export interface FoldedText {
  /** The folded text, where patterns run. */
  readonly text: string
  /** The span of the original text that a span of the folded text came from. */
  toOriginal(span: TextSpan): TextSpan
}

/** Spaces that people (and word processors) put inside numbers: no-break, thin, ideographic. */
const SPACES = new Set([0x00a0, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007])
for (const c of [0x2008, 0x2009, 0x200a, 0x202f, 0x205f, 0x3000]) SPACES.add(c)
/** Hyphens and dashes that stand for `-` in a grouped number. */
const DASHES = new Set([0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212, 0xfe58, 0xfe63])
/** Characters that need a look: anything outside ASCII. */
const NON_ASCII = /[\u0080-\uffff]/

/**
 * Folds a text: invisible characters removed; no-break and other spaces to ` `; dashes to `-`;
 * full-width forms (`４１１１`, `＠`) and mathematical letters and digits to ASCII. Everything
 * else is kept as it is, so a plain ASCII text comes back untouched and at no cost.
 */
export function foldText(text: string): FoldedText {
  if (!NON_ASCII.test(text)) return { text, toOriginal: sameSpan }
  // Only changed characters are recorded; between two of them the offset shift is constant.
  const outStarts: number[] = []
  const outEnds: number[] = []
  const origStarts: number[] = []
  const origEnds: number[] = []
  let out = ''
  let copiedUpTo = 0
  for (let i = 0; i < text.length;) {
    const code = text.codePointAt(i) ?? 0
    const width = code > 0xffff ? 2 : 1
    if (code < 0x80) {
      i += 1
      continue
    }
    const char = text.slice(i, i + width)
    const folded = foldChar(code, char)
    if (folded !== char) {
      out += text.slice(copiedUpTo, i)
      outStarts.push(out.length)
      out += folded
      outEnds.push(out.length)
      origStarts.push(i)
      origEnds.push(i + width)
      copiedUpTo = i + width
    }
    i += width
  }
  if (outStarts.length === 0) return { text, toOriginal: sameSpan }
  out += text.slice(copiedUpTo)
  /** The index of the last change starting at or before `at`, or -1. */
  const changeAt = (at: number): number => {
    let lo = 0
    let hi = outStarts.length - 1
    let found = -1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      if ((outStarts[mid] ?? 0) <= at) {
        found = mid
        lo = mid + 1
      } else hi = mid - 1
    }
    return found
  }
  const startOf = (at: number): number => {
    const k = changeAt(at)
    if (k < 0) return at
    const outEnd = outEnds[k] ?? 0
    // Inside a replaced character (or an empty one just removed at `at`): its original start.
    if (at < outEnd) return origStarts[k] ?? 0
    return at - outEnd + (origEnds[k] ?? 0)
  }
  const endOf = (at: number): number => {
    const k = changeAt(at - 1)
    if (k < 0) return at
    const outEnd = outEnds[k] ?? 0
    if (at - 1 < outEnd) return origEnds[k] ?? 0
    return at - outEnd + (origEnds[k] ?? 0)
  }
  return { text: out, toOriginal: ({ start, end }) => ({ start: startOf(start), end: endOf(end) }) }
}

const sameSpan = ({ start, end }: TextSpan): TextSpan => ({ start, end })

function foldChar(code: number, char: string): string {
  if (SPACES.has(code)) return ' '
  if (DASHES.has(code)) return '-'
  if (code >= 0xff01 && code <= 0xff5e) return String.fromCharCode(code - 0xfee0)
  if (code >= 0x1d400 && code <= 0x1d7ff) {
    const plain = char.normalize('NFKC')
    return NON_ASCII.test(plain) ? char : plain
  }
  return isInvisible(char) ? '' : char
}
