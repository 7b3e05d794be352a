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
/** A run of letters and leet characters; only runs with two letters or more are folded. */
const LEET_TOKEN = /[a-z0-9@$!|]*[a-z][a-z0-9@$!|]*/g
const LEET_RUN = /[013457@$!|8]+/g

/** Single letters split by spaces or dots ("k i l l", "k.i.l.l", "h-a-t-e"), three or more. */
const SPACED_LETTERS = /\b[a-z](?:[ .\-_*][a-z]\b){2,}/g
const SPACERS = /[ .\-_*]/g

/** A masking character between letters: "f*ck" and "f#ck" keep their letters. */
const MASK_IN_WORD = /(?<=[a-z])[*#]+(?=[a-z])/g

/** A character repeated three times or more ("soooo", "!!!!"). */
const REPEATS = /(.)\1{2,}/gsu

/**
 * Folds a text for matching: NFKC, invisible characters removed, lower case, diacritics
 * stripped, look-alike letters of other scripts mapped to Latin, digits and symbols used as
 * letters inside words mapped back (`h4te` → `hate`, `a$$` → `ass`), letters spelled apart
 * joined (`b l a c k` → `black`), masks inside words dropped (`f*ck` → `fck`) and runs of one
 * character cut to two.
 */
export function normalizeText(text: string): string {
  let out = text.normalize('NFKC').replace(INVISIBLE, '').toLowerCase()
  out = out.normalize('NFD').replace(COMBINING, '').normalize('NFC')
  out = out.replace(LOOKALIKE, (c) => LATIN_OF_LOOKALIKES[LOOKALIKES.indexOf(c)] ?? c)
  if (LEET_TOUCH.test(out)) out = out.replace(LEET_TOKEN, foldLeet)
  out = out.replace(SPACED_LETTERS, (run) => run.replace(SPACERS, ''))
  if (out.includes('*') || out.includes('#')) out = out.replace(MASK_IN_WORD, '')
  return hasRepeat(out) ? out.replace(REPEATS, '$1$1') : out
}

/**
 * Whether {@link REPEATS} may match: a code unit three times in a row, or any surrogate (an
 * emoji repeated is a run of pairs). A plain scan, far cheaper than the regex.
 */
function hasRepeat(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdfff) return true
    if (i >= 2 && c === text.charCodeAt(i - 1) && c === text.charCodeAt(i - 2)) return true
  }
  return false
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
