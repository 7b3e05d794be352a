/**
 * Text normalisation shared by the local classifiers: the same folding at training and at
 * inference, so that obfuscated spellings ("k1ll", "b l a c k", "іdiot" with a Cyrillic і) meet
 * the features their plain spellings taught.
 */

/** Zero-width characters, soft hyphens and bidi controls: invisible, so only ever used to hide. */
const INVISIBLE =
  /[\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]|\u034f|\u17b4|\u17b5/g

const ONE_INVISIBLE = new RegExp(`^(?:${INVISIBLE.source})$`)
/** Whether one character is invisible (zero-width, soft hyphen, bidi control): never content. */
export const isInvisible = (char: string): boolean => ONE_INVISIBLE.test(char)

/** Combining diacritics (after NFD): "café" and "cafe" are one word here. */
const COMBINING = /[\u0300-\u036f]/g

/** Lower-case letters of other scripts that look like Latin ones (NFKC leaves them alone)… */
const LOOKALIKES = 'авеёкмнорстухѕіїјԁӏɡɑıαβεηικνορτυχω'
/** …and the Latin letter each one stands for, position by position. */
const LATIN_OF_LOOKALIKES = 'abeekmhopctyxsiijdlgaiabeniknoptuxw'
const LOOKALIKE = new RegExp(`[${LOOKALIKES}]`, 'g')

/** Digits and symbols used as letters ("h4te", "@ss", "sh!t"), and the letters they stand for. */
const LEET: Readonly<Record<string, string>> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '8': 'b',
  '@': 'a',
  $: 's',
  '!': 'i',
  '|': 'l',
}
/** A letter and a leet character side by side: the cheap test before looking for words. */
const LEET_TOUCH = /[a-z][013457@$!|8]|[013457@$!|8][a-z]/
const LEET_RUN = /[013457@$!|8]+/g

/** Single letters split by spaces or dots ("k i l l", "k.i.l.l", "h-a-t-e"), three or more. */
const SPACED_LETTERS = /\b[a-z](?:[ .\-_*][a-z]\b){2,}/g
const SPACERS = /[ .\-_*]/g
const SPACER = /[ .\-_*]/

/**
 * A masking character between letters: "f*ck" and "f#ck" keep their letters. The letter before
 * is matched and put back (`$1`) rather than looked behind for: a lookbehind first made the scan
 * try every position of a long text.
 */
const MASK_IN_WORD = /([a-z])[*#]+(?=[a-z])/g

/** A character repeated three times or more ("soooo", "!!!!"). */
const REPEATS = /(.)\1{2,}/gsu

/**
 * A code unit outside ASCII. NFKC, NFD and NFC leave ASCII as it is, and the invisible,
 * combining and look-alike characters all lie outside it.
 */
const NON_ASCII = /[\u0080-\uffff]/

/**
 * Folds a text for matching: NFKC, invisible characters removed, lower case, diacritics
 * stripped, look-alike letters of other scripts mapped to Latin, digits and symbols used as
 * letters inside words mapped back (`h4te` → `hate`, `a$$` → `ass`), letters spelled apart
 * joined (`b l a c k` → `black`), masks inside words dropped (`f*ck` → `fck`) and runs of one
 * character cut to two.
 */
export function normalizeText(text: string): string {
  // Plain ASCII, the common prompt, comes out of the Unicode steps only lower-cased: skipping
  // them saves about a third of a fold (measured on 1 KB of prose).
  let out = NON_ASCII.test(text) ? foldUnicode(text) : text.toLowerCase()
  if (LEET_TOUCH.test(out)) out = foldLeetTokens(out)
  out = out.replace(SPACED_LETTERS, (run) => run.replace(SPACERS, ''))
  if (out.includes('*') || out.includes('#')) out = out.replace(MASK_IN_WORD, '$1')
  return hasRepeat(out) ? out.replace(REPEATS, '$1$1') : out
}

/** The steps of {@link normalizeText} that change nothing in ASCII but its case. */
function foldUnicode(text: string): string {
  let out = text.normalize('NFKC').replace(INVISIBLE, '').toLowerCase()
  out = out.normalize('NFD').replace(COMBINING, '').normalize('NFC')
  return out.replace(LOOKALIKE, (c) => LATIN_OF_LOOKALIKES[LOOKALIKES.indexOf(c)] ?? c)
}

/**
 * A code unit three times in a row, or any surrogate (an emoji repeated is a run of pairs): where
 * {@link REPEATS} may match. Without the `u` flag it reads code units, and costs a fraction of
 * REPEATS (and measured less than a loop over the code units: 40 against 70 µs on 16 KB).
 */
const MAY_REPEAT = /([^])\1\1|[\ud800-\udfff]/

/** Whether {@link REPEATS} may match. */
const hasRepeat = (text: string): boolean => MAY_REPEAT.test(text)

/**
 * A character of a token: a token is a longest run of letters, digits and symbols used as letters
 * that holds a letter; only tokens with two letters or more are folded.
 */
const isTokenChar = (c: number): boolean =>
  (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 64 || c === 36 || c === 33 || c === 124
const LEET_CHAR = /[013457@$!|8]/g

/**
 * Folds every token with {@link foldLeet}, visiting only the tokens that hold a leet character:
 * the others fold to themselves, and calling back for every word of a long prompt was most of
 * the cost of {@link normalizeText}.
 */
function foldLeetTokens(text: string): string {
  let out = ''
  let from = 0
  LEET_CHAR.lastIndex = 0
  for (let hit = LEET_CHAR.exec(text); hit; hit = LEET_CHAR.exec(text)) {
    let start = hit.index
    let end = start + 1
    while (start > 0 && isTokenChar(text.charCodeAt(start - 1))) start--
    while (end < text.length && isTokenChar(text.charCodeAt(end))) end++
    const token = text.slice(start, end)
    if (/[a-z]/.test(token)) {
      out += text.slice(from, start) + foldLeet(token)
      from = end
    }
    LEET_CHAR.lastIndex = end
  }
  return from === 0 ? text : out + text.slice(from)
}

/**
 * Maps the leet characters of a word back to letters. A run is folded when a letter follows
 * it, or when it ends the word and is one character or `$`s: `sh1t`, `hell0`, `a$$`, but not
 * `covid19`, `win10`, the `!` of `hey!` or of `!important`.
 */
function foldLeet(token: string): string {
  if (!/[013457@$!|8]/.test(token) || token.replace(/[^a-z]/g, '').length < 2) return token
  return token.replace(LEET_RUN, (run, offset: number) => {
    if (offset === 0 && /[!|]/.test(run)) return run
    const next = token.charAt(offset + run.length)
    if (next >= 'a' && next <= 'z') return map(run)
    if (next !== '') return run
    if (/^\$+$/.test(run) || (run.length === 1 && run !== '!' && run !== '|')) return map(run)
    return run
  })
}

const map = (run: string): string => [...run].map((c) => LEET[c] ?? c).join('')

/** A folded text and, for each of its UTF-16 code units, where it came from in the original. */
export interface NormalizedText {
  /** Exactly what {@link normalizeText} returns for the same input. */
  readonly text: string
  /** `starts[i]`: the offset in the original where the i-th code unit's source begins. */
  readonly starts: Uint32Array
  /** `ends[i]`: the offset in the original where the i-th code unit's source ends (exclusive). */
  readonly ends: Uint32Array
}

/** A base character with the marks that follow it: NFKC and case folding act on these whole. */
const CLUSTER = /[^\p{M}][\p{M}]*|[\p{M}]+/suy

/**
 * {@link normalizeText} with a map back to the original, for classifiers that report where a
 * phrase lies. It folds cluster by cluster (a character and its combining marks), so that every
 * folded code unit knows its source; it costs a few times {@link normalizeText}, so callers
 * match on the cheap fold first and call this only once they have something to place.
 */
export function normalizeTextWithOffsets(text: string): NormalizedText {
  const parts: string[] = []
  let starts: Uint32Array = new Uint32Array(text.length + 16)
  let ends: Uint32Array = new Uint32Array(text.length + 16)
  let size = 0
  const place = (count: number, start: number, end: number, step: number): void => {
    if (size + count > starts.length) {
      const capacity = Math.max(size + count, starts.length * 2)
      starts = grow(starts, capacity)
      ends = grow(ends, capacity)
    }
    for (let k = 0; k < count; k++, size++) {
      starts[size] = start + k * step
      ends[size] = step ? start + k * step + 1 : end
    }
  }
  for (let i = 0; i < text.length;) {
    // A run of plain ASCII not followed by a mark folds to itself in lower case, one unit for
    // one: the common case, kept off the regex and the Unicode tables below.
    let j = i
    while (j < text.length && text.charCodeAt(j) < 0x80 && !isMarkAt(text, j + 1)) j++
    if (j > i) {
      parts.push(text.slice(i, j).toLowerCase())
      place(j - i, i, j, 1)
      i = j
      continue
    }
    CLUSTER.lastIndex = i
    const cluster = CLUSTER.exec(text)?.[0] ?? text.charAt(i)
    const folded = foldCluster(cluster)
    parts.push(folded)
    place(folded.length, i, i + cluster.length, 0)
    i += cluster.length
  }
  let state: Tracked = {
    text: parts.join(''),
    starts: starts.subarray(0, size),
    ends: ends.subarray(0, size),
  }
  if (LEET_TOUCH.test(state.text)) state = { ...state, text: foldLeetTokens(state.text) }
  state = keepWhere(state, SPACED_LETTERS, (run, i) => !SPACER.test(run.charAt(i)))
  if (state.text.includes('*') || state.text.includes('#')) {
    state = keepWhere(state, MASK_IN_WORD, (_, i) => i === 0)
  }
  if (hasRepeat(state.text)) {
    state = keepWhere(state, REPEATS, (run, i) => i < 2 * (run.codePointAt(0)! > 0xffff ? 2 : 1))
  }
  return state
}

/** Whether a combining mark (which NFKC may join to the character before) is at `i`. */
const isMarkAt = (text: string, i: number): boolean => {
  const c = text.charCodeAt(i)
  return c >= 0x300 && /\p{M}/u.test(text.charAt(i))
}

function grow(array: Uint32Array, capacity: number): Uint32Array {
  const larger = new Uint32Array(capacity)
  larger.set(array)
  return larger
}

type Tracked = NormalizedText

/** The per-cluster part of {@link normalizeText}: the steps that may change a text's length. */
function foldCluster(cluster: string): string {
  let out = cluster.normalize('NFKC').replace(INVISIBLE, '').toLowerCase()
  out = out.normalize('NFD').replace(COMBINING, '').normalize('NFC')
  return out.replace(LOOKALIKE, (c) => LATIN_OF_LOOKALIKES[LOOKALIKES.indexOf(c)] ?? c)
}

/**
 * Rewrites every match of `pattern` to the code units for which `keep(match, i)` holds, carrying
 * each kept unit's source along; the last kept unit of a match also covers the dropped tail, so a
 * span ending there ends where the run did.
 */
function keepWhere(
  state: Tracked,
  pattern: RegExp,
  keep: (match: string, index: number) => boolean,
): Tracked {
  const matches = [...state.text.matchAll(pattern)]
  if (matches.length === 0) return state
  const dropped = new Uint8Array(state.text.length)
  for (const match of matches) {
    const run = match[0]
    let last = -1
    for (let i = 0; i < run.length; i++) {
      if (keep(run, i)) last = match.index + i
      else dropped[match.index + i] = 1
    }
    if (last >= 0) state.ends[last] = state.ends[match.index + run.length - 1] ?? state.ends[last]!
  }
  const parts: string[] = []
  const starts = new Uint32Array(state.text.length)
  const ends = new Uint32Array(state.text.length)
  let size = 0
  let from = -1
  for (let i = 0; i <= state.text.length; i++) {
    if (i < state.text.length && !dropped[i]) {
      if (from < 0) from = i
      starts[size] = state.starts[i]!
      ends[size++] = state.ends[i]!
    } else if (from >= 0) {
      parts.push(state.text.slice(from, i))
      from = -1
    }
  }
  return { text: parts.join(''), starts: starts.subarray(0, size), ends: ends.subarray(0, size) }
}
