/**
 * The checks that tell a real identifier from a number of the same shape: check digits (Luhn,
 * ISO 7064 mod 97-10, Verhoeff, the DNI letter), issuer ranges and the allocation rules of
 * national numbers. Each takes the bare value (digits and letters only) and is a plain
 * function of it.
 */

/** Whether a string of digits passes the Luhn (mod 10) check of card numbers. */
export function isLuhnValid(digits: string): boolean {
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48
    if (i % 2 === 1) d = d > 4 ? d * 2 - 9 : d * 2
    sum += d
  }
  return sum % 10 === 0
}

export const CARD_BRANDS = [
  'visa',
  'mastercard',
  'amex',
  'discover',
  'jcb',
  'unionpay',
  'diners',
  'maestro',
] as const
export type CardBrand = (typeof CARD_BRANDS)[number]

/**
 * Issuer (IIN) ranges and the lengths each brand issues. Checked in order, so the narrower
 * Discover ranges come before UnionPay's `62` and Maestro's catch-all `6`.
 */
const CARD_RANGES: readonly (readonly [CardBrand, number, number, readonly number[]])[] = [
  // [brand, first prefix, last prefix (same number of digits), lengths]
  ['visa', 4, 4, [13, 16, 19]],
  ['mastercard', 51, 55, [16]],
  ['mastercard', 2221, 2720, [16]],
  ['amex', 34, 34, [15]],
  ['amex', 37, 37, [15]],
  ['diners', 300, 305, [14, 16, 19]],
  ['diners', 36, 36, [14, 16, 19]],
  ['diners', 38, 39, [14, 16, 19]],
  ['jcb', 3528, 3589, [16, 17, 18, 19]],
  ['discover', 6011, 6011, [16, 19]],
  ['discover', 644, 649, [16, 19]],
  ['discover', 65, 65, [16, 19]],
  ['discover', 622126, 622925, [16, 19]],
  ['unionpay', 62, 62, [16, 17, 18, 19]],
  ['unionpay', 81, 81, [16, 17, 18, 19]],
  ['maestro', 50, 50, [12, 13, 14, 15, 16, 17, 18, 19]],
  ['maestro', 56, 58, [12, 13, 14, 15, 16, 17, 18, 19]],
  ['maestro', 6, 6, [12, 13, 14, 15, 16, 17, 18, 19]],
]

/** The brand whose issuer range and length a card number fits, or undefined. */
export function cardBrandOf(digits: string): CardBrand | undefined {
  for (const [brand, first, last, lengths] of CARD_RANGES) {
    const prefix = Number(digits.slice(0, String(first).length))
    if (prefix >= first && prefix <= last && lengths.includes(digits.length)) return brand
  }
  return undefined
}

/**
 * IBAN length per country (ISO 13616 registry). A country missing here has no IBAN, so a
 * string starting with its code is not one.
 */
const IBAN_LENGTHS: ReadonlyMap<string, number> = new Map(
  (
    'AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 ' +
    'DJ27 DK18 DO28 EE20 EG29 ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HN28 ' +
    'HR21 HU28 IE22 IL23 IQ23 IS26 IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 ' +
    'MC27 MD24 ME22 MK19 MN20 MR27 MT31 MU30 NI28 NL18 NO15 OM23 PK24 PL28 PS29 PT25 QA29 ' +
    'RO24 RS22 RU33 SA24 SC31 SD18 SE24 SI19 SK24 SM27 SO23 ST25 SV28 TL23 TN24 TR26 UA29 ' +
    'VA22 VG24 XK20 YE30'
  )
    .split(' ')
    .map((entry) => [entry.slice(0, 2), Number(entry.slice(2))] as const),
)

/** Whether a compact IBAN (no spaces, upper case) has its country's length and a valid checksum. */
export function isIbanValid(iban: string): boolean {
  if (IBAN_LENGTHS.get(iban.slice(0, 2)) !== iban.length) return false
  // ISO 7064 mod 97-10 over BBAN + country + check digits, letters as 10..35, digit by digit.
  const moved = iban.slice(4) + iban.slice(0, 4)
  let rest = 0
  for (let i = 0; i < moved.length; i++) {
    const c = moved.charCodeAt(i)
    if (c >= 48 && c <= 57) rest = (rest * 10 + (c - 48)) % 97
    else if (c >= 65 && c <= 90) rest = (rest * 100 + (c - 55)) % 97
    else return false
  }
  return rest === 1
}

/** The IBAN length of a country, or undefined when it has none. */
export const ibanLengthOf = (country: string): number | undefined => IBAN_LENGTHS.get(country)

/**
 * US Social Security number allocation rules: area not 000, 666 or 900–999, group not 00,
 * serial not 0000. There is no check digit, so a number that fits is only well-formed.
 */
export function isSsnValid(area: string, group: string, serial: string): boolean {
  const a = Number(area)
  return a !== 0 && a !== 666 && a < 900 && group !== '00' && serial !== '0000'
}

/**
 * UK National Insurance number prefix rules (HMRC): D, F, I, Q, U, V never appear; O is never
 * the second letter; BG, GB, NK, KN, TN, NT and ZZ are not allocated. The suffix is A–D.
 */
export function isNinoValid(prefix: string, suffix: string): boolean {
  const [first = '', second = ''] = prefix
  if ('DFIQUV'.includes(first) || 'DFIQUVO'.includes(second)) return false
  if (['BG', 'GB', 'NK', 'KN', 'TN', 'NT', 'ZZ'].includes(prefix)) return false
  return 'ABCD'.includes(suffix)
}

const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE'

/** Spanish DNI (8 digits) or NIE (X, Y or Z and 7 digits): the control letter is the number mod 23. */
export function isDniValid(value: string): boolean {
  const lead = 'XYZ'.indexOf(value.charAt(0))
  const digits = lead >= 0 ? `${lead}${value.slice(1, 8)}` : value.slice(0, 8)
  return DNI_LETTERS.charAt(Number(digits) % 23) === value.charAt(8)
}

// Verhoeff's dihedral-group tables (1969), as used by Aadhaar.
const VERHOEFF_MULTIPLY = [
  '0123456789',
  '1234067895',
  '2340178956',
  '3401289567',
  '4012395678',
  '5987604321',
  '6598710432',
  '7659821043',
  '8765932104',
  '9876543210',
].map((row) => [...row].map(Number))
const VERHOEFF_PERMUTE = [
  '0123456789',
  '1576283094',
  '5803796142',
  '8916043527',
  '9453126870',
  '4286573901',
  '2793806415',
  '7046913258',
].map((row) => [...row].map(Number))

/** Whether a string of digits (its check digit last) passes the Verhoeff check. */
export function isVerhoeffValid(digits: string): boolean {
  let check = 0
  for (let i = 0; i < digits.length; i++) {
    const d = digits.charCodeAt(digits.length - 1 - i) - 48
    check = VERHOEFF_MULTIPLY[check]?.[VERHOEFF_PERMUTE[i % 8]?.[d] ?? 0] ?? 0
  }
  return check === 0
}

/** Indian Aadhaar: 12 digits, never starting 0 or 1, Verhoeff check digit last. */
export const isAadhaarValid = (digits: string): boolean =>
  digits.length === 12 && digits.charAt(0) > '1' && isVerhoeffValid(digits)
