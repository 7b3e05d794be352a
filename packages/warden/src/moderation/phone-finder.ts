import { findPhoneNumbersInText, isSupportedCountry } from 'libphonenumber-js/max'
import type { CountryCode } from 'libphonenumber-js/max'
import { PII_SCORES, type PiiMatch } from './pii-types.js'

/**
 * Phone numbers, validated against each country's numbering plan by libphonenumber-js (the
 * port of Google's libphonenumber, with its full metadata: valid number ranges, not just
 * lengths). The library's matcher is run on short candidate runs only — digits with single
 * separators — because it costs some microseconds per call and a prompt is mostly words.
 */

/** Regions whose national formats are recognised when none is configured. */
export const DEFAULT_PHONE_REGIONS = ['US', 'GB', 'DE', 'FR', 'IN', 'BR', 'JP', 'AU'] as const

/** Whether a region code (`GB`) is one libphonenumber knows. */
export const isPhoneRegion = (region: string): boolean => isSupportedCountry(region)

/** Library lookups per text at most: a megabyte of distinct numbers stays under a second. */
export const MAX_PHONE_LOOKUPS = 2048

/** Longest candidate looked at: the longest numbers with separators and an extension fit. */
const MAX_CANDIDATE_CHARS = 48

const isDigitCode = (c: number): boolean => c >= 48 && c <= 57
/** Characters inside a written phone number besides digits and spaces: `(`, `)`, `.`, `/`, `-`. */
const isPunctuationCode = (c: number): boolean =>
  c === 40 || c === 41 || c === 46 || c === 47 || c === 45

/**
 * Candidate runs as phone numbers are written: digits with separators between them,
 * `+44 20 7946 0958`, `(415) 362-8791`, `06.12.34.56.78`, `0151/23456789`. A space counts only
 * when a digit, `(` or `+` follows. Scanned by hand in one pass, on character codes (a prompt is
 * mostly words, each character of which is looked at once); runs too long to be one number are
 * passed over without being copied.
 */
function* candidates(text: string): Generator<{ start: number; raw: string }> {
  const inRun = (at: number): boolean => {
    const c = text.charCodeAt(at)
    if (isDigitCode(c) || isPunctuationCode(c)) return true
    const next = text.charCodeAt(at + 1)
    return (c === 32 || c === 0xa0) && (isDigitCode(next) || next === 40 || next === 43)
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    const opens = (c === 43 || c === 40) && isDigitCode(text.charCodeAt(i + 1))
    if (!opens && !isDigitCode(c)) continue
    const start = i
    i++
    while (i < text.length && inRun(i)) i++
    let end = i
    while (end > start && !isDigitCode(text.charCodeAt(end - 1)) && text.charCodeAt(end - 1) !== 41)
      end--
    if (end - start <= MAX_CANDIDATE_CHARS) yield { start, raw: text.slice(start, end) }
  }
}

/** Shapes that are dates or decimals, not numbers to dial. */
const NOT_A_PHONE = [
  /^\d{4}[-./]\d{1,2}[-./]\d{1,2}$/,
  /^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$/,
  /^\d+\.\d+$/,
  /^\d{1,3}(?:\.\d{1,3}){3}$/,
  // The shape of a US Social Security number, written so in no numbering plan's format.
  /^\d{3}-\d{2}-\d{4}$/,
]
/** Words just before a bare digit run that make it a phone number. */
const PHONE_CUE =
  /(?:phone|tel|call|mobile|cell|fax|whatsapp|ring|reach|text|sms|contact|number|numéro|num|telefon|handy|móvil|teléfono|celular|☎|📞)(?:\s+\w{1,4}){0,2}\W{0,12}$/i
/** Words just before a number that make it anything but a phone number. */
const OTHER_NUMBER_CUE =
  /(?:order|invoice|inv|tracking|isbn|ean|upc|account|acct|serial|part|ticket|build|version|sku|case|transaction|txn|confirmation|ref|reference|id|po|zip|postcode|postal|iban|card|ssn|aadhaar|uid|#)(?:\s+(?:no|nr|number|num|id|code))?\W{0,6}$/i

/** One region to try first and the rest after, as the classifier's options give them. */
export interface PhoneSearch {
  readonly regions: readonly CountryCode[]
}

/**
 * Finds valid phone numbers: international ones (`+` or the region's exit code) in any country,
 * national ones in the configured regions (the first region that calls it valid wins). A bare
 * run of digits (no `+`, no separator) counts only after a word like `phone` or `call`; any run
 * right after `order`, `invoice`, `tracking`, `#` … does not. Past {@link MAX_PHONE_LOOKUPS}
 * candidates the rest of the text is not searched for phones.
 */
export function findPhones(text: string, search: PhoneSearch): PiiMatch[] {
  const found: PiiMatch[] = []
  const seen = new Map<string, readonly { start: number; end: number }[]>()
  let lookups = 0
  for (const { start, raw } of candidates(text)) {
    const digits = raw.replace(/\D/g, '').length
    if (digits < 7) continue
    if (NOT_A_PHONE.some((shape) => shape.test(raw))) continue
    const before = text.slice(Math.max(0, start - 32), start)
    if (/[A-Za-z0-9_]$|[A-Za-z0-9][-./]$/.test(before) || OTHER_NUMBER_CUE.test(before)) continue
    const bare = /^\d+$/.test(raw)
    if (bare && !PHONE_CUE.test(before)) continue
    let spans = seen.get(raw)
    if (spans === undefined) {
      if (lookups >= MAX_PHONE_LOOKUPS) break
      spans = lookUp(raw, search.regions, () => lookups++)
      seen.set(raw, spans)
    }
    for (const span of spans)
      found.push({
        start: start + span.start,
        end: start + span.end,
        type: 'phone',
        score: PII_SCORES.phone,
      })
  }
  return found
}

/**
 * The numbers libphonenumber finds valid in one candidate, trying one region after another
 * until one explains all its digits (else the region that explained most: `(11) 98765-4321` is
 * a whole number in Brazil, only its tail elsewhere).
 */
function lookUp(
  raw: string,
  regions: readonly CountryCode[],
  count: () => void,
): readonly { start: number; end: number }[] {
  const allDigits = raw.replace(/\D/g, '').length
  // An international number names its own country; one lookup decides it.
  const tries = raw.startsWith('+') ? regions.slice(0, 1) : regions
  let best: { start: number; end: number }[] = []
  let bestDigits = 0
  for (const region of tries) {
    count()
    const spans = findPhoneNumbersInText(raw, { defaultCountry: region }).map((n) => ({
      start: n.startsAt,
      end: n.endsAt,
    }))
    const digits = spans.reduce(
      (sum, s) => sum + raw.slice(s.start, s.end).replace(/\D/g, '').length,
      0,
    )
    if (digits === allDigits) return spans
    if (digits > bestDigits) [best, bestDigits] = [spans, digits]
  }
  return best
}
