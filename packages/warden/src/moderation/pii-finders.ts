import {
  cardBrandOf,
  ibanLengthOf,
  isAadhaarValid,
  isDniValid,
  isIbanValid,
  isLuhnValid,
  isNinoValid,
  isSsnValid,
} from './pii-checksums.js'
import { PII_SCORES, type PiiMatch, type PiiType } from './pii-types.js'
import { matchesOf } from './regex-matches.js'

/**
 * Finders for the PII kinds that need no numbering-plan data (phones are in `phone-finder.ts`).
 * Each scans the folded text with patterns that cannot backtrack badly (no nested or
 * overlapping repetition; unbounded runs only where one character decides each step) and keeps
 * only values that pass their checksum or allocation rules.
 */

const match = (start: number, end: number, type: PiiType): PiiMatch => ({
  start,
  end,
  type,
  score: PII_SCORES[type],
})
const isWordChar = (c: string): boolean => /[A-Za-z0-9_]/.test(c)
const isDigit = (c: string): boolean => c >= '0' && c <= '9'

/**
 * Whether a number at [start, end) stands alone: not glued to a word, and not one group of a
 * longer grouped number (`4111 1111 1111` inside a card, `SN-1234-5678`).
 */
function standsAlone(text: string, start: number, end: number): boolean {
  const before = text.charAt(start - 1)
  const after = text.charAt(end)
  if (isWordChar(before) || isWordChar(after)) return false
  if ('-./'.includes(before) && before !== '' && isWordChar(text.charAt(start - 2))) return false
  if ('-. /'.includes(after) && after !== '' && isDigit(text.charAt(end + 1))) return false
  return true
}

/** Whether one of `words` ends within `distance` characters before `at` (a label like `SSN:`). */
function hasCueBefore(text: string, at: number, words: RegExp, distance = 40): boolean {
  return words.test(text.slice(Math.max(0, at - distance), at))
}

// ---- e-mail ----------------------------------------------------------------------------------

const LOCAL_CHAR = /[A-Za-z0-9._%+'-]/
const DOMAIN_CHAR = /[A-Za-z0-9.-]/
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/
const TLD = /^(?:[A-Za-z]{2,24}|xn--[a-z0-9-]{2,59})$/i
/**
 * Names reserved for documentation and local use (RFC 2606, RFC 6761, `.local`, `.internal`):
 * no one's mailbox, and the bulk of addresses in code samples.
 */
const RESERVED_TLDS = new Set(['test', 'invalid', 'localhost', 'example', 'local', 'internal'])
const RESERVED_DOMAIN = /(?:^|\.)example\.(?:com|net|org)$/i
/** File names with `@` (`logo@2x.png`) look like addresses to a pattern; no TLD is named so. */
const FILE_EXTENSIONS = new Set(['png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'js', 'ts', 'css'])
const MAX_LOCAL = 64
const MAX_DOMAIN = 253

/**
 * E-mail addresses: a dot-atom local part (letters, digits, `._%+'-`, no leading, trailing or
 * doubled dot, at most 64) and a domain of at least two labels ending in an alphabetic TLD.
 * Found from each `@` outwards, so a megabyte without one costs one `indexOf`. Not reported:
 * `user@localhost` and other addresses without a TLD, reserved documentation and local domains
 * (`example.com`, `.test`, `.local`), `git@host` (an SSH login, not a mailbox) and file names.
 */
export function findEmails(text: string): PiiMatch[] {
  const found: PiiMatch[] = []
  let scannedTo = 0
  for (let at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
    if (!LOCAL_CHAR.test(text.charAt(at - 1)) || !DOMAIN_CHAR.test(text.charAt(at + 1))) continue
    let start = at
    while (
      start > Math.max(scannedTo, at - MAX_LOCAL - 1) &&
      LOCAL_CHAR.test(text.charAt(start - 1))
    )
      start--
    while (text.charAt(start) === '.' || text.charAt(start) === "'") start++
    let end = at + 1
    while (end < at + 1 + MAX_DOMAIN && DOMAIN_CHAR.test(text.charAt(end))) end++
    while (end > at + 1 && '.-'.includes(text.charAt(end - 1))) end--
    const local = text.slice(start, at)
    const domain = text.slice(at + 1, end)
    if (LOCAL_CHAR.test(text.charAt(start - 1)) || isWordChar(text.charAt(end))) continue
    if (!isEmailValid(local, domain)) continue
    found.push(match(start, end, 'email'))
    scannedTo = end
    at = end - 1
  }
  return found
}

function isEmailValid(local: string, domain: string): boolean {
  if (local === '' || local.length > MAX_LOCAL || local.endsWith('.') || local.includes('..'))
    return false
  if (local.toLowerCase() === 'git') return false
  const labels = domain.split('.')
  const tld = labels[labels.length - 1] ?? ''
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l)) || !TLD.test(tld)) return false
  const lowerTld = tld.toLowerCase()
  if (RESERVED_TLDS.has(lowerTld) || RESERVED_DOMAIN.test(domain)) return false
  if (FILE_EXTENSIONS.has(lowerTld) || /^\d+x$/i.test(labels[0] ?? '')) return false
  return true
}

// ---- payment cards ---------------------------------------------------------------------------

/**
 * Payment card numbers: 12–19 digits, plain or grouped with spaces or dashes (groups of four to
 * six, the last shorter: `4-4-4-4`, `4-6-5`), that pass the Luhn check and fall in a known
 * issuer range with a length that issuer uses. A run holding more digits (a card and its
 * expiry, two cards) is tried group by group; a `+` before it makes it a phone number.
 */
export function findCards(text: string): PiiMatch[] {
  const found: PiiMatch[] = []
  // Runs of digit groups joined by one space or dash, scanned by hand: a megabyte of `1 1 1`
  // is one pass over the text, not half a million match objects.
  const starts: number[] = []
  const ends: number[] = []
  for (let i = 0; i < text.length;) {
    if (!isDigitCode(text.charCodeAt(i))) {
      i++
      continue
    }
    starts.length = 0
    ends.length = 0
    for (;;) {
      starts.push(i)
      while (isDigitCode(text.charCodeAt(i))) i++
      ends.push(i)
      const c = text.charCodeAt(i)
      if ((c !== 32 && c !== 45) || !isDigitCode(text.charCodeAt(i + 1))) break
      i++
    }
    if ((ends[ends.length - 1] ?? 0) - (starts[0] ?? 0) >= 12)
      findCardsInRun(text, starts, ends, found)
  }
  return found
}

const isDigitCode = (c: number): boolean => c >= 48 && c <= 57

function findCardsInRun(
  text: string,
  starts: readonly number[],
  ends: readonly number[],
  found: PiiMatch[],
): void {
  for (let first = 0; first < starts.length;) {
    // Every card starts with a group of four digits or more.
    if ((ends[first] ?? 0) - (starts[first] ?? 0) < 4) {
      first++
      continue
    }
    let best = -1
    let digits = ''
    for (let last = first; last < starts.length; last++) {
      const group = text.slice(starts[last], ends[last])
      digits += group
      if (digits.length > 19) break
      if (digits.length >= 12 && isLuhnValid(digits) && cardBrandOf(digits)) best = last
      if (group.length < 4 || group.length > 6) break
    }
    if (best < 0) {
      first++
      continue
    }
    const start = starts[first] ?? 0
    const end = ends[best] ?? 0
    if (standsAlone(text, start, end) && text.charAt(start - 1) !== '+')
      found.push(match(start, end, 'payment_card'))
    first = best + 1
  }
}

// ---- IBAN ------------------------------------------------------------------------------------

/** A country code, check digits, then letters and digits with single spaces: bounded, linear. */
const IBAN_START = /\b[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){8,32}/g

/**
 * IBANs, compact or grouped by spaces (in fours, or as printed): the country's registered
 * length and the mod-97 checksum. The value must end where the IBAN does: a longer run of
 * letters and digits is not an IBAN.
 */
export function findIbans(text: string): PiiMatch[] {
  const found: PiiMatch[] = []
  const pattern = new RegExp(IBAN_START)
  for (let candidate = pattern.exec(text); candidate; candidate = pattern.exec(text)) {
    const raw = candidate[0]
    // Greedy, the pattern may run into a second IBAN; go on from where this one ends or starts.
    pattern.lastIndex = candidate.index + 1
    const length = ibanLengthOf(raw.slice(0, 2).toUpperCase())
    if (length === undefined) continue
    let compact = ''
    let end = 0
    for (let i = 0; i < raw.length && compact.length < length; i++) {
      if (raw[i] === ' ') continue
      compact += raw[i]
      end = i + 1
    }
    const start = candidate.index
    if (compact.length !== length || isWordChar(text.charAt(start + end))) continue
    if (!isIbanValid(compact.toUpperCase())) continue
    found.push(match(start, start + end, 'iban'))
    pattern.lastIndex = start + end
  }
  return found
}

// ---- national ids ----------------------------------------------------------------------------

const SSN_GROUPED = /\b(\d{3})([- ])(\d{2})\2(\d{4})\b/g
const SSN_PLAIN = /\b(\d{3})(\d{2})(\d{4})\b/g
const SSN_CUE = /\b(?:ssn|social security(?: number| no\.?)?|ss#)\W{0,4}$/i
const NINO = /\b([A-Z]{2}) ?(\d{2}) ?(\d{2}) ?(\d{2}) ?([A-D])\b/g
const DNI = /\b([XYZ]?\d{7,8})-?([A-Z])\b/g
const AADHAAR_GROUPED = /\b[2-9]\d{3} \d{4} \d{4}\b/g
const AADHAAR_PLAIN = /\b[2-9]\d{11}\b/g
const AADHAAR_CUE = /\b(?:aadhaar|aadhar|uid|uidai)\b[^\n]{0,20}$/i

/**
 * US SSNs grouped `123-45-6789` or `123 45 6789` anywhere; nine bare digits only after a label
 * (`SSN:`). Area, group and serial must be allocatable.
 */
export function findSsns(text: string): PiiMatch[] {
  const found: PiiMatch[] = []
  for (const m of matchesOf(SSN_GROUPED, text)) {
    const [, area = '', , group = '', serial = ''] = m
    const end = m.index + m[0].length
    if (isSsnValid(area, group, serial) && standsAlone(text, m.index, end))
      found.push(match(m.index, end, 'ssn'))
  }
  for (const m of matchesOf(SSN_PLAIN, text)) {
    const [, area = '', group = '', serial = ''] = m
    const end = m.index + m[0].length
    if (isSsnValid(area, group, serial) && hasCueBefore(text, m.index, SSN_CUE, 24))
      found.push(match(m.index, end, 'ssn'))
  }
  return found
}

/** UK National Insurance numbers, `AB 12 34 56 C` or `AB123456C`, with HMRC's prefix rules. */
export function findNinos(text: string): PiiMatch[] {
  const found: PiiMatch[] = []
  for (const m of matchesOf(NINO, text)) {
    const [, prefix = '', , , , suffix = ''] = m
    if (isNinoValid(prefix, suffix)) found.push(match(m.index, m.index + m[0].length, 'nino'))
  }
  return found
}

/** Spanish DNI (`12345678Z`) and NIE (`X1234567L`) numbers whose control letter is right. */
export function findDnis(text: string): PiiMatch[] {
  const found: PiiMatch[] = []
  for (const m of matchesOf(DNI, text)) {
    const [, number = '', letter = ''] = m
    const value = number + letter
    if (value.length === 9 && isDniValid(value))
      found.push(match(m.index, m.index + m[0].length, 'es_dni'))
  }
  return found
}

/**
 * Aadhaar numbers with a valid Verhoeff digit: grouped `2345 6789 0123` anywhere they stand
 * alone, twelve bare digits only after a label (a bare twelve-digit number is too often
 * something else, and one in ten passes the check by chance).
 */
export function findAadhaars(text: string): PiiMatch[] {
  const found: PiiMatch[] = []
  for (const m of matchesOf(AADHAAR_GROUPED, text)) {
    const end = m.index + m[0].length
    if (isAadhaarValid(m[0].replace(/ /g, '')) && standsAlone(text, m.index, end))
      found.push(match(m.index, end, 'aadhaar'))
  }
  for (const m of matchesOf(AADHAAR_PLAIN, text)) {
    if (isAadhaarValid(m[0]) && hasCueBefore(text, m.index, AADHAAR_CUE))
      found.push(match(m.index, m.index + m[0].length, 'aadhaar'))
  }
  return found
}

// ---- IP addresses ----------------------------------------------------------------------------

const IPV4 = /(?<![\w.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![\w]|\.\d)/g
/** Words after which a dotted quad is a version, not an address (`version 1.2.3.4`, `Chrome/`). */
const VERSION_CUE =
  /(?:\bversion|\bver\.?|\brelease|\bbuild|\bfirmware|\bfw|\bupdate|\bv|[A-Za-z]\/)\s*[:=]?\s*$/i

/**
 * IPv4 addresses: four decimal octets 0–255 without leading zeros. Not reported: a dotted quad
 * inside a longer dotted number (an OID, `1.2.3.4.5`), after a version word or a product name
 * and slash (`version 1.2.3.4`, `Chrome/120.0.6099.71`), and addresses that name no host:
 * `0.0.0.0`, loopback `127.*`, broadcast and netmasks (`255.*`).
 */
export function findIpv4s(text: string): PiiMatch[] {
  const found: PiiMatch[] = []
  for (const m of matchesOf(IPV4, text)) {
    const octets = m.slice(1, 5)
    if (!octets.every((o) => Number(o) <= 255 && (o === '0' || !o.startsWith('0')))) continue
    const first = Number(octets[0])
    if (first === 0 || first === 127 || first === 255) continue
    if (VERSION_CUE.test(text.slice(Math.max(0, m.index - 12), m.index))) continue
    found.push(match(m.index, m.index + m[0].length, 'ip_address'))
  }
  return found
}

const HEX_OR_COLON = /[0-9A-Fa-f:.]/
const IPV6_GROUP = /^[0-9A-Fa-f]{1,4}$/
const DOTTED_QUAD =
  /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/

/**
 * IPv6 addresses, full or `::`-compressed, with or without a dotted-quad tail. Found from each
 * `::` or run of colons outwards; a compressed form needs two groups and a digit, so `a::b`,
 * `std::`, `::1` and times (`12:30:45`) or MAC addresses (six groups) are not addresses.
 */
export function findIpv6s(text: string): PiiMatch[] {
  const found: PiiMatch[] = []
  for (let at = text.indexOf(':'); at >= 0; at = text.indexOf(':', at + 1)) {
    let start = at
    while (start > 0 && HEX_OR_COLON.test(text.charAt(start - 1))) start--
    let end = at + 1
    while (end < text.length && HEX_OR_COLON.test(text.charAt(end))) end++
    at = end
    while (end > start && '.:'.includes(text.charAt(end - 1)) && !text.endsWith('::', end)) end--
    while (text.charAt(start) === '.') start++
    if (end - start > 45 || isWordChar(text.charAt(start - 1)) || isWordChar(text.charAt(end)))
      continue
    if (isIpv6(text.slice(start, end))) found.push(match(start, end, 'ip_address'))
  }
  return found
}

function isIpv6(value: string): boolean {
  if (!/\d/.test(value) || value.includes(':::')) return false
  const halves = value.split('::')
  if (halves.length > 2) return false
  const groups = halves.flatMap((h) => (h === '' ? [] : h.split(':')))
  const tail = groups[groups.length - 1] ?? ''
  const width = tail.includes('.') ? groups.length + 1 : groups.length
  if (tail.includes('.') && !DOTTED_QUAD.test(tail)) return false
  const heads = tail.includes('.') ? groups.slice(0, -1) : groups
  if (!heads.every((g) => IPV6_GROUP.test(g))) return false
  return halves.length === 2 ? width <= 7 && groups.length >= 2 : width === 8
}
