// Writes the labeled PII and secrets cases (`pii-cases.jsonl`, `secret-cases.jsonl`) from a
// fixed seed, so the committed data can be checked and regenerated. Every value is fake: random
// digits completed to pass their checksum (Luhn, mod-97, Verhoeff, the DNI letter), random
// keys in each vendor's shape. Phone numbers are random numbers in real number ranges, kept
// only when libphonenumber's full metadata calls them valid.
//
//   node packages/warden/classifier/generate-pii-cases.mjs
//
// The holdout split uses its own sentence templates (the even-numbered ones of each list); it
// was written before the classifiers and they were never tuned on it.
import { writeFileSync } from 'node:fs'
import { parsePhoneNumberFromString } from 'libphonenumber-js/max'

let seed = 0x5eed1234
/** mulberry32: a small seeded generator, so the files come out the same every run. */
function random() {
  seed = (seed + 0x6d2b79f5) | 0
  let t = seed
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1))
const pick = (list) => list[Math.floor(random() * list.length)]
const digits = (n) => Array.from({ length: n }, () => int(0, 9)).join('')
const chars = (alphabet, n) => Array.from({ length: n }, () => pick(alphabet)).join('')
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const B64URL = `${ALNUM}-_`
const B64 = `${ALNUM}+/`
const HEX = '0123456789abcdef'
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'

// ---- checksums -------------------------------------------------------------------------------

function luhnDigit(body) {
  let sum = 0
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i])
    if (i % 2 === 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2
    sum += d
  }
  return String((10 - (sum % 10)) % 10)
}
const luhnNumber = (prefix, length) => {
  const body = prefix + digits(length - prefix.length - 1)
  return body + luhnDigit(body)
}
function mod97(text) {
  let rest = 0
  for (const c of text) {
    const v = c >= 'A' ? String(c.charCodeAt(0) - 55) : c
    for (const d of v) rest = (rest * 10 + Number(d)) % 97
  }
  return rest
}
function iban(country, bban) {
  const check = 98 - mod97(`${bban}${country}00`)
  return `${country}${String(check).padStart(2, '0')}${bban}`
}
const VERHOEFF_D = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
]
const VERHOEFF_P = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
]
const VERHOEFF_INV = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9]
function verhoeffDigit(body) {
  let c = 0
  const rev = [...body].reverse()
  for (let i = 0; i < rev.length; i++) c = VERHOEFF_D[c][VERHOEFF_P[(i + 1) % 8][Number(rev[i])]]
  return String(VERHOEFF_INV[c])
}
const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE'

// ---- value generators ------------------------------------------------------------------------

const group = (s, sizes, sep) => {
  const out = []
  let at = 0
  for (const n of sizes) {
    out.push(s.slice(at, at + n))
    at += n
  }
  if (at < s.length) out.push(s.slice(at))
  return out.filter(Boolean).join(sep)
}
const CARD_BRANDS = [
  { brand: 'visa', prefix: () => '4', length: 16 },
  { brand: 'visa13', prefix: () => '4', length: 13 },
  { brand: 'mastercard', prefix: () => String(int(51, 55)), length: 16 },
  { brand: 'mastercard2', prefix: () => String(int(2221, 2720)), length: 16 },
  { brand: 'amex', prefix: () => pick(['34', '37']), length: 15 },
  { brand: 'discover', prefix: () => pick(['6011', '65', String(int(644, 649))]), length: 16 },
  { brand: 'jcb', prefix: () => String(int(3528, 3589)), length: 16 },
  { brand: 'unionpay', prefix: () => '62' + String(int(1, 9)), length: pick([16, 17, 18, 19]) },
  { brand: 'diners', prefix: () => pick(['36', '38', String(int(300, 305))]), length: 14 },
  {
    brand: 'maestro',
    prefix: () => pick(['6759', '6761', '6763', '5018', '5020', '6304']),
    length: pick([16, 19]),
  },
]
function cardText(brand) {
  const n = luhnNumber(brand.prefix(), brand.length)
  const style = int(0, 2)
  if (style === 0) return n
  const sep = style === 1 ? ' ' : '-'
  if (brand.length === 15) return group(n, [4, 6, 5], sep)
  if (brand.length === 14) return group(n, [4, 6, 4], sep)
  return group(n, [4, 4, 4, 4], sep)
}
/** A card number with one digit changed, so that the Luhn check fails. */
function badCardText(brand) {
  const good = luhnNumber(brand.prefix(), brand.length)
  const last = Number(good[good.length - 1])
  const n = good.slice(0, -1) + String((last + int(1, 9)) % 10)
  return int(0, 1) === 0 ? n : group(n, brand.length === 15 ? [4, 6, 5] : [4, 4, 4, 4], ' ')
}

const IBAN_SHAPES = {
  DE: () => digits(18),
  GB: () => chars(UPPER, 4) + digits(14),
  FR: () => digits(10) + chars(UPPER + '0123456789', 11) + digits(2),
  ES: () => digits(20),
  IT: () => pick(UPPER) + digits(10) + chars('0123456789', 12),
  NL: () => chars(UPPER, 4) + digits(10),
  BE: () => digits(12),
  CH: () => digits(17),
  AT: () => digits(16),
  PL: () => digits(24),
  PT: () => digits(21),
  SE: () => digits(20),
  NO: () => digits(11),
  DK: () => digits(14),
  FI: () => digits(14),
  IE: () => chars(UPPER, 4) + digits(14),
  LU: () => digits(3) + chars(UPPER + '0123456789', 13),
  CZ: () => digits(20),
  RO: () => chars(UPPER, 4) + chars(UPPER + '0123456789', 16),
  GR: () => digits(23),
  HU: () => digits(24),
  SA: () => digits(2) + chars(UPPER + '0123456789', 18),
  AE: () => digits(19),
  TR: () => digits(6) + chars('0123456789', 16),
  BR: () => digits(23) + pick(UPPER) + pick(UPPER + '0123456789'),
}
function ibanText(country, grouped) {
  const value = iban(country, IBAN_SHAPES[country]())
  return grouped ? value.match(/.{1,4}/g).join(' ') : value
}
function badIbanText(country) {
  const good = iban(country, IBAN_SHAPES[country]())
  const at = int(4, good.length - 1)
  const c = good[at]
  const swapped = /\d/.test(c) ? String((Number(c) + int(1, 9)) % 10) : c === 'A' ? 'B' : 'A'
  const bad = good.slice(0, at) + swapped + good.slice(at + 1)
  return int(0, 1) ? bad : bad.match(/.{1,4}/g).join(' ')
}

function ssn(sep = '-') {
  let area
  do area = int(1, 899)
  while (area === 666)
  return [
    String(area).padStart(3, '0'),
    String(int(1, 99)).padStart(2, '0'),
    String(int(1, 9999)).padStart(4, '0'),
  ].join(sep)
}
const badSsn = () =>
  pick([
    () => `000-${String(int(1, 99)).padStart(2, '0')}-${String(int(1, 9999)).padStart(4, '0')}`,
    () => `666-${String(int(1, 99)).padStart(2, '0')}-${String(int(1, 9999)).padStart(4, '0')}`,
    () =>
      `9${digits(2)}-${String(int(1, 99)).padStart(2, '0')}-${String(int(1, 9999)).padStart(4, '0')}`,
    () => `${int(100, 665)}-00-${String(int(1, 9999)).padStart(4, '0')}`,
    () => `${int(100, 665)}-${String(int(10, 99))}-0000`,
  ])()

const NINO_FIRST = 'ABCEGHJKLMNOPRSTWXYZ'
const NINO_SECOND = 'ABCEGHJKLMNPRSTWXYZ'
function nino(spaced) {
  let prefix
  do prefix = pick(NINO_FIRST) + pick(NINO_SECOND)
  while (['BG', 'GB', 'NK', 'KN', 'TN', 'NT', 'ZZ'].includes(prefix))
  const d = digits(6)
  const suffix = pick('ABCD')
  return spaced
    ? `${prefix} ${d.slice(0, 2)} ${d.slice(2, 4)} ${d.slice(4)} ${suffix}`
    : `${prefix}${d}${suffix}`
}
const badNino = () => pick(['QQ', 'GB', 'DA', 'FO', 'BG', 'NK', 'TN']) + digits(6) + pick('ABCD')

function dni() {
  if (int(0, 3) === 0) {
    const lead = int(0, 2)
    const body = digits(7)
    return `${'XYZ'[lead]}${body}${DNI_LETTERS[Number(`${lead}${body}`) % 23]}`
  }
  const n = digits(8)
  return `${n}${DNI_LETTERS[Number(n) % 23]}`
}
const badDni = () => {
  const n = digits(8)
  return `${n}${DNI_LETTERS[(Number(n) + int(1, 22)) % 23]}`
}
function aadhaar(spaced) {
  const body = String(int(2, 9)) + digits(10)
  const n = body + verhoeffDigit(body)
  return spaced ? group(n, [4, 4, 4], ' ') : n
}
const badAadhaar = () => {
  const body = String(int(2, 9)) + digits(10)
  const good = Number(verhoeffDigit(body))
  return group(body + String((good + int(1, 9)) % 10), [4, 4, 4], ' ')
}

function ipv4() {
  const first = pick([int(11, 126), int(128, 191), int(193, 223), 10, 172, 192])
  const second = first === 192 ? 168 : first === 172 ? int(16, 31) : int(0, 255)
  return `${first}.${second}.${int(0, 255)}.${int(1, 254)}`
}
function ipv6() {
  const g = () => HEX.slice(0, 16)[int(0, 15)] + chars(HEX, int(0, 3))
  const style = int(0, 3)
  if (style === 0) return Array.from({ length: 8 }, g).join(':')
  if (style === 1) return `2001:db8:${g()}:${g()}::${g()}`
  if (style === 2) return `fe80::${g()}:${g()}:${g()}:${g()}`
  return `2a02:${g()}:${g()}::${int(1, 255)}`
}

// Phones: a region, how to draw a national significant number, and how people write it.
const PHONE_REGIONS = {
  US: {
    cc: '1',
    nsn: () =>
      pick([
        '212',
        '213',
        '312',
        '415',
        '617',
        '646',
        '702',
        '713',
        '206',
        '305',
        '404',
        '503',
        '512',
        '602',
        '720',
      ]) +
      String(int(2, 9)) +
      digits(6),
    national: [
      (n) => `(${n.slice(0, 3)}) ${n.slice(3, 6)}-${n.slice(6)}`,
      (n) => `${n.slice(0, 3)}-${n.slice(3, 6)}-${n.slice(6)}`,
      (n) => `${n.slice(0, 3)}.${n.slice(3, 6)}.${n.slice(6)}`,
      (n) => `1-${n.slice(0, 3)}-${n.slice(3, 6)}-${n.slice(6)}`,
    ],
    intl: [
      (n) => `+1 ${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}`,
      (n) => `+1 (${n.slice(0, 3)}) ${n.slice(3, 6)}-${n.slice(6)}`,
      (n) => `+1-${n.slice(0, 3)}-${n.slice(3, 6)}-${n.slice(6)}`,
    ],
  },
  GB: {
    cc: '44',
    nsn: () =>
      pick([
        () => '7' + pick(['4', '5', '7', '8', '9']) + digits(8),
        () => '20' + pick(['7', '3', '8']) + digits(7),
        () => '161' + String(int(2, 9)) + digits(6),
      ])(),
    national: [
      (n) =>
        n.startsWith('20')
          ? `020 ${n.slice(2, 6)} ${n.slice(6)}`
          : n.startsWith('161')
            ? `0161 ${n.slice(3, 6)} ${n.slice(6)}`
            : `0${n.slice(0, 4)} ${n.slice(4)}`,
      (n) => `0${n}`,
    ],
    intl: [
      (n) =>
        n.startsWith('20')
          ? `+44 20 ${n.slice(2, 6)} ${n.slice(6)}`
          : `+44 ${n.slice(0, 4)} ${n.slice(4)}`,
      (n) => `+44 (0)${n.slice(0, 4)} ${n.slice(4)}`,
      (n) => `0044 ${n}`,
    ],
  },
  DE: {
    cc: '49',
    nsn: () =>
      pick([
        () => '15' + pick(['1', '2', '7']) + digits(8),
        () => '1' + pick(['60', '70', '71', '72', '76']) + digits(7),
        () => '30' + String(int(2, 9)) + digits(7),
        () => '89' + String(int(2, 9)) + digits(6),
      ])(),
    national: [
      (n) =>
        n.startsWith('1') ? `0${n.slice(0, 3)} ${n.slice(3)}` : `0${n.slice(0, 2)} ${n.slice(2)}`,
      (n) =>
        n.startsWith('1') ? `0${n.slice(0, 3)}/${n.slice(3)}` : `(0${n.slice(0, 2)}) ${n.slice(2)}`,
    ],
    intl: [
      (n) =>
        n.startsWith('1')
          ? `+49 ${n.slice(0, 3)} ${n.slice(3)}`
          : `+49 ${n.slice(0, 2)} ${n.slice(2)}`,
      (n) => `+49 (0)${n.slice(0, 3)} ${n.slice(3)}`,
    ],
  },
  FR: {
    cc: '33',
    nsn: () => pick(['6', '7', '1', '4', '5']) + digits(8),
    national: [(n) => `0${n}`.match(/../g).join(' '), (n) => `0${n}`.match(/../g).join('.')],
    intl: [
      (n) => `+33 ${n[0]} ${n.slice(1).match(/../g).join(' ')}`,
      (n) => `+33 (0)${n[0]} ${n.slice(1).match(/../g).join(' ')}`,
    ],
  },
  IN: {
    cc: '91',
    nsn: () => pick(['98', '97', '99', '88', '70', '93']) + digits(8),
    national: [(n) => `0${n.slice(0, 5)} ${n.slice(5)}`, (n) => `${n.slice(0, 5)} ${n.slice(5)}`],
    intl: [(n) => `+91 ${n.slice(0, 5)} ${n.slice(5)}`, (n) => `+91-${n}`],
  },
  BR: {
    cc: '55',
    nsn: () =>
      pick(['11', '21', '31', '41', '51', '61']) +
      pick([() => '9' + String(int(6, 9)) + digits(7), () => String(int(2, 3)) + digits(7)])(),
    national: [(n) => `(${n.slice(0, 2)}) ${n.slice(2, n.length - 4)}-${n.slice(-4)}`],
    intl: [
      (n) => `+55 ${n.slice(0, 2)} ${n.slice(2, n.length - 4)}-${n.slice(-4)}`,
      (n) => `+55 (${n.slice(0, 2)}) ${n.slice(2, n.length - 4)} ${n.slice(-4)}`,
    ],
  },
  JP: {
    cc: '81',
    nsn: () =>
      pick([
        () => pick(['90', '80', '70']) + String(int(1, 9)) + digits(7),
        () => '3' + String(int(3, 6)) + digits(7),
        () => '6' + String(int(6, 6)) + digits(7),
      ])(),
    national: [
      (n) =>
        n.length === 10
          ? `0${n.slice(0, 2)}-${n.slice(2, 6)}-${n.slice(6)}`
          : `0${n.slice(0, 1)}-${n.slice(1, 5)}-${n.slice(5)}`,
    ],
    intl: [
      (n) =>
        n.length === 10
          ? `+81 ${n.slice(0, 2)}-${n.slice(2, 6)}-${n.slice(6)}`
          : `+81 ${n.slice(0, 1)} ${n.slice(1, 5)} ${n.slice(5)}`,
    ],
  },
  AU: {
    cc: '61',
    nsn: () =>
      pick([
        () => '4' + String(int(0, 9)) + digits(7),
        () => pick(['2', '3', '7', '8']) + String(int(5, 9)) + digits(7),
      ])(),
    national: [
      (n) =>
        n.startsWith('4')
          ? `0${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}`
          : `(0${n[0]}) ${n.slice(1, 5)} ${n.slice(5)}`,
    ],
    intl: [
      (n) =>
        n.startsWith('4')
          ? `+61 ${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}`
          : `+61 ${n[0]} ${n.slice(1, 5)} ${n.slice(5)}`,
    ],
  },
  ES: {
    cc: '34',
    nsn: () => pick(['6', '7', '91']) + digits(8).slice(0, 8),
    intl: [(n) => `+34 ${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}`],
  },
  IT: {
    cc: '39',
    nsn: () => '3' + pick(['3', '4', '2', '9']) + digits(8),
    intl: [(n) => `+39 ${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}`],
  },
  NL: {
    cc: '31',
    nsn: () => '6' + digits(8),
    intl: [(n) => `+31 6 ${n.slice(1)}`, (n) => `+31 (0)6-${n.slice(1)}`],
  },
  MX: {
    cc: '52',
    nsn: () => pick(['55', '33', '81']) + digits(8),
    intl: [(n) => `+52 ${n.slice(0, 2)} ${n.slice(2, 6)} ${n.slice(6)}`],
  },
  ZA: {
    cc: '27',
    nsn: () => pick(['82', '83', '72', '71', '21']) + digits(7),
    intl: [(n) => `+27 ${n.slice(0, 2)} ${n.slice(2, 5)} ${n.slice(5)}`],
  },
  NG: {
    cc: '234',
    nsn: () => pick(['803', '806', '813', '703', '805']) + digits(7),
    intl: [(n) => `+234 ${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}`],
  },
  SG: {
    cc: '65',
    nsn: () => pick(['8', '9', '6']) + digits(7),
    intl: [(n) => `+65 ${n.slice(0, 4)} ${n.slice(4)}`],
  },
  CN: {
    cc: '86',
    nsn: () => '1' + pick(['38', '39', '58', '86', '37']) + digits(8),
    intl: [(n) => `+86 ${n.slice(0, 3)} ${n.slice(3, 7)} ${n.slice(7)}`],
  },
  KR: {
    cc: '82',
    nsn: () => '10' + digits(8),
    intl: [(n) => `+82 10-${n.slice(2, 6)}-${n.slice(6)}`],
  },
  SE: {
    cc: '46',
    nsn: () => '7' + pick(['0', '2', '3', '6']) + digits(7),
    intl: [(n) => `+46 ${n.slice(0, 2)} ${n.slice(2, 5)} ${n.slice(5, 7)} ${n.slice(7)}`],
  },
  PL: {
    cc: '48',
    nsn: () => pick(['5', '6', '7', '8']) + digits(8),
    intl: [(n) => `+48 ${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}`],
  },
  CA: {
    cc: '1',
    nsn: () => pick(['416', '604', '514', '403']) + String(int(2, 9)) + digits(6),
    intl: [(n) => `+1 ${n.slice(0, 3)}-${n.slice(3, 6)}-${n.slice(6)}`],
  },
  IE: {
    cc: '353',
    nsn: () => '8' + pick(['3', '5', '6', '7']) + digits(7),
    intl: [(n) => `+353 ${n.slice(0, 2)} ${n.slice(2, 5)} ${n.slice(5)}`],
  },
  CH: {
    cc: '41',
    nsn: () => '7' + pick(['6', '7', '8', '9']) + digits(7),
    intl: [(n) => `+41 ${n.slice(0, 2)} ${n.slice(2, 5)} ${n.slice(5, 7)} ${n.slice(7)}`],
  },
}
function phone(region, international) {
  const r = PHONE_REGIONS[region]
  for (let tries = 0; tries < 500; tries++) {
    const n = r.nsn()
    const parsed = parsePhoneNumberFromString(`+${r.cc}${n}`)
    if (!parsed?.isValid() || (region !== 'CA' && region !== 'US' && parsed.country !== region))
      continue
    const formats = international || !r.national ? r.intl : r.national
    return pick(formats)(n)
  }
  throw new Error(`no valid ${region} number drawn`)
}

// ---- building cases --------------------------------------------------------------------------

/** A case from a template with `{}` holes and the values (text and type) that fill them. */
function fill(template, values) {
  const parts = template.split('{}')
  if (parts.length !== values.length + 1) throw new Error(`holes do not match: ${template}`)
  let text = parts[0]
  const spans = []
  values.forEach(([value, type], i) => {
    if (type) spans.push({ start: text.length, end: text.length + value.length, type })
    text += value + parts[i + 1]
  })
  return { text, spans }
}
const cases = []
/** Adds `count` cases: templates alternate between splits, even ones to holdout. */
function add(count, templates, draw) {
  for (let i = 0; i < count; i++) {
    const t = i % templates.length
    const split = t % 2 === 0 ? 'holdout' : 'tune'
    const template = templates[t]
    const holes = template.split('{}').length - 1
    const values = Array.from({ length: holes }, () => draw(split))
    cases.push({ ...fill(template, values), split })
  }
}

const EMAIL_TEMPLATES = [
  'Please send the invoice to {} before Friday.',
  'my email is {} thanks',
  'Contact: {}',
  'Hi, can you cc {} on the thread? They handle procurement.',
  'From: Jamie Ortega <{}>\nSubject: Re: quarterly numbers',
  'Reach out to {} or {} for access.',
  '"email": "{}",',
  'Écrivez-moi à {} pour la réservation.',
  'Escribe a {} si tienes dudas.',
  'Bitte antworten Sie an {}.',
  '- owner: {}\n- reviewer: {}',
  'mailto:{}',
]
const FIRST = [
  'anna',
  'jose',
  'li.wei',
  'm.okafor',
  'priya_s',
  'tom+news',
  'k.nakamura',
  'olga-b',
  'sam',
  'r.duarte',
  'fatima.z',
  'j.smith2',
  'noah',
  'chloe.martin',
  'a_b.c',
]
const DOMAINS = [
  'gmail.com',
  'outlook.com',
  'proton.me',
  'acme-logistics.co.uk',
  'uni-heidelberg.de',
  'mairie-lyon.fr',
  'infosys.co.in',
  'correio.com.br',
  'yahoo.co.jp',
  'bigpond.com.au',
  'fastmail.fm',
  'mail.northwind.io',
  'hospital-sanjuan.es',
  'web.de',
  'icloud.com',
]
const email = () => `${pick(FIRST)}${int(0, 2) === 0 ? int(1, 99) : ''}@${pick(DOMAINS)}`
add(66, EMAIL_TEMPLATES, () => [email(), 'email'])

const PHONE_TEMPLATES = [
  'Call me at {} after 6pm.',
  'Tel.: {}',
  'You can reach the front desk on {}.',
  'my number is {}, text me',
  'Phone: {} | Fax: {}',
  'WhatsApp {} if you are running late',
  'For bookings ring {} (mon–fri).',
  'Contact number {}',
  'Mobile {}\nOffice {}',
  'Her cell is {} and she prefers calls.',
  'Numéro : {}',
  'Rufen Sie uns an: {}',
]
const NATIONAL_REGIONS = ['US', 'GB', 'DE', 'FR', 'IN', 'BR', 'JP', 'AU']
const ALL_REGIONS = Object.keys(PHONE_REGIONS)
add(90, PHONE_TEMPLATES, () => {
  const international = int(0, 1) === 0
  const region = international ? pick(ALL_REGIONS) : pick(NATIONAL_REGIONS)
  return [phone(region, international), 'phone']
})

const CARD_TEMPLATES = [
  'Card number: {}',
  'please charge {} exp 04/29 cvc 381',
  'my visa is {} can you check why it was declined',
  'PAN {} was flagged by the fraud team',
  'Pay with {} and send the receipt.',
  'cc: {}\nexpiry: 11/27',
  'Use the card {} for the hotel deposit.',
  '"card": "{}"',
  'Tarjeta: {}',
  'Kartennummer {} bitte sperren',
]
add(64, CARD_TEMPLATES, () => [cardText(pick(CARD_BRANDS)), 'payment_card'])

const IBAN_TEMPLATES = [
  'IBAN: {}',
  'Please wire the deposit to {} by Monday.',
  'Bankverbindung: {} (Sparkasse)',
  'my iban is {}',
  'Beneficiary account {} — reference INV-2291',
  'Virement sur le compte {} merci',
  '"iban": "{}"',
  'Pay rent into {} on the first of the month.',
]
const IBAN_COUNTRIES = Object.keys(IBAN_SHAPES)
add(44, IBAN_TEMPLATES, () => [ibanText(pick(IBAN_COUNTRIES), int(0, 1) === 0), 'iban'])

add(
  16,
  [
    'SSN: {}',
    'my social security number is {} and my dob is 1984',
    'Employee SSN {} on file',
    'ssn {}',
  ],
  () => [ssn(int(0, 3) === 0 ? ' ' : '-'), 'ssn'],
)
add(
  14,
  ['NI number: {}', 'National Insurance No. {}', 'my NINO is {}', 'NINO {} (payroll)'],
  () => [nino(int(0, 1) === 0), 'nino'],
)
add(10, ['DNI {}', 'Mi DNI es {}', 'NIE: {}', 'documento {}'], () => [dni(), 'es_dni'])
add(10, ['Aadhaar: {}', 'my aadhaar number is {}', 'UID {}', 'Aadhaar no {}'], () => [
  aadhaar(int(0, 1) === 0),
  'aadhaar',
])
add(
  24,
  [
    'The server at {} is down again.',
    'ssh admin@{}',
    'client ip={} user-agent=curl/8.4',
    'Blocked {} after 20 failed logins',
    'my home IP is {}',
    'upstream {}:8443 timed out',
    'Allow {} in the firewall',
    'X-Forwarded-For: {}',
  ],
  () => [int(0, 2) === 0 ? ipv6() : ipv4(), 'ip_address'],
)

// Several types in one text.
add(
  10,
  ['Name: R. Duarte, email {}, phone {}, IBAN {}', 'Customer {} paid with {} from {}'],
  (split) =>
    pick([
      [email(), 'email'],
      [phone(pick(ALL_REGIONS), true), 'phone'],
      [ibanText(pick(IBAN_COUNTRIES), true), 'iban'],
      [cardText(pick(CARD_BRANDS)), 'payment_card'],
    ]),
)

// ---- negatives: look like PII, are not ------------------------------------------------------

const NEGATIVES = [
  () => `Order #${digits(10)} has shipped.`,
  () => `Your order number is ${int(100, 999)}-${digits(7)}-${digits(7)}.`,
  () =>
    `Meeting on ${int(2019, 2026)}-${String(int(1, 12)).padStart(2, '0')}-${String(int(1, 28)).padStart(2, '0')} at 14:30.`,
  () =>
    `Born ${String(int(1, 28)).padStart(2, '0')}.${String(int(1, 12)).padStart(2, '0')}.${int(1950, 2005)}`,
  () => `Upgrade to version ${int(1, 9)}.${int(0, 20)}.${int(0, 30)}.${int(0, 300)} before Friday.`,
  () => `npm i react@${int(16, 19)}.${int(0, 14)}.${int(0, 9)}`,
  () => `Released v${int(1, 9)}.${int(0, 9)}.${int(0, 9)} today`,
  () => `ISBN 978-${int(0, 9)}-${digits(3)}-${digits(5)}-${int(0, 9)}`,
  () => `ISBN-13: 978${digits(10)}`,
  () => `UPS tracking 1Z${chars(UPPER + '0123456789', 16)}`,
  () => `FedEx tracking number ${digits(12)}`,
  () => `ts=${int(1600000000, 1800000000)} level=info msg="ok"`,
  () => `created_at: ${int(1600000000000, 1800000000000)}`,
  () => `commit ${chars(HEX, 40)}`,
  () => `sha256:${chars(HEX, 64)}`,
  () => `${int(100, 999)} * ${int(100, 999)} = ${int(10000, 999999)}`,
  () => `pi is about 3.${digits(14)}`,
  () => `Coordinates: ${int(-89, 89)}.${digits(4)}, ${int(-179, 179)}.${digits(4)}`,
  () => `Total: $${int(1, 999)},${digits(3)},${digits(3)}.${digits(2)}`,
  () => `Invoice INV-${int(2019, 2026)}-${digits(6)}`,
  () =>
    `Build ${int(2019, 2026)}${String(int(1, 12)).padStart(2, '0')}${String(int(1, 28)).padStart(2, '0')}.${int(1, 9)}`,
  () => `Serial no. SN-${digits(4)}-${digits(4)}-${digits(4)}`,
  () =>
    `The population grew from ${int(1, 9)},${digits(3)},${digits(3)} to ${int(1, 9)},${digits(3)},${digits(3)}.`,
  () => `Account id ${digits(12)} in region us-east-1`,
  () => `Luhn fails: ${badCardText(pick(CARD_BRANDS))}`,
  () => `card ${badCardText(pick(CARD_BRANDS))} declined`,
  () => `test number ${luhnNumber(pick(['1', '8', '9']), 16)}`,
  () => `IBAN ${badIbanText(pick(IBAN_COUNTRIES))}`,
  () => `wire to ${badIbanText(pick(IBAN_COUNTRIES))}`,
  () => `SSN ${badSsn()}`,
  () => `NINO ${badNino()}`,
  () => `DNI ${badDni()}`,
  () => `Aadhaar ${badAadhaar()}`,
  () => `See RFC ${int(1000, 9999)} section ${int(1, 9)}.${int(1, 9)}.${int(1, 9)}`,
  () => `OID 1.3.6.1.4.1.${int(1000, 60000)}.${int(1, 9)}`,
  () => `netmask 255.255.${pick(['255', '254', '240', '0'])}.0`,
  () => `listen on 0.0.0.0:${int(1000, 9999)} and 127.0.0.1`,
  () => `version ${int(1, 9)}.${int(0, 9)}.${int(0, 9)}.${int(0, 99)}`,
  () => `std::vector<int> v; v.push_back(${int(1, 99)});`,
  () => `MAC ${Array.from({ length: 6 }, () => chars(HEX, 2)).join(':')}`,
  () => `at ${int(0, 23)}:${int(10, 59)}:${int(10, 59)} the job finished`,
  () => `user@localhost ran the script`,
  () => `git clone git@github.com:acme/${pick(['api', 'web'])}.git`,
  () => `import logo from './logo@2x.png'`,
  () => `send to @${pick(FIRST).replace(/[^a-z]/g, '')} on slack`,
  () => `Room ${int(1, 9)}-${digits(3)}, building ${int(1, 40)}`,
  () => `zip code ${digits(5)}-${digits(4)}`,
  () => `Ticket JIRA-${digits(5)} blocks ${digits(4)}`,
  () =>
    `Temperature ranged ${int(10, 30)}.${int(0, 9)}–${int(10, 30)}.${int(0, 9)} °C over ${int(2, 9)} days`,
  () =>
    `uuid ${chars(HEX, 8)}-${chars(HEX, 4)}-4${chars(HEX, 3)}-a${chars(HEX, 3)}-${chars(HEX, 12)}`,
  () => `Part number ${digits(3)}-${digits(3)}-${digits(3)}`,
  () => `The range 10-20-30-40 is arithmetic.`,
  () => `Lottery numbers: ${Array.from({ length: 6 }, () => int(1, 49)).join(' ')}`,
  () => `Matrix row: ${Array.from({ length: 8 }, () => int(0, 99)).join(', ')}`,
  () => `EAN ${digits(13)}`,
  () =>
    `Flight LH${int(100, 9999)} departs ${int(2024, 2026)}/${String(int(1, 12)).padStart(2, '0')}/${String(int(1, 28)).padStart(2, '0')}`,
  () => `Windows build 10.0.${int(10000, 22999)}.${int(100, 999)}`,
  () => `Chrome/${int(100, 130)}.0.${int(1000, 6999)}.${int(10, 200)} Safari/537.36`,
]
// Negatives: 190, one template after another, so both splits see each kind; split by index.
for (let i = 0; i < 190; i++) {
  const draw = NEGATIVES[i % NEGATIVES.length]
  cases.push({
    text: draw(),
    spans: [],
    split: Math.floor(i / NEGATIVES.length) % 2 === 0 ? 'holdout' : 'tune',
  })
}

// ---- secrets ---------------------------------------------------------------------------------

const b64url = (s) => Buffer.from(s).toString('base64url')
function jwt() {
  const header = b64url(JSON.stringify({ alg: pick(['HS256', 'RS256', 'ES256']), typ: 'JWT' }))
  const payload = b64url(
    JSON.stringify({ sub: digits(8), name: pick(FIRST), iat: int(1600000000, 1800000000) }),
  )
  return `${header}.${payload}.${chars(B64URL, 43)}`
}
function pem() {
  const kind = pick(['RSA PRIVATE KEY', 'PRIVATE KEY', 'EC PRIVATE KEY', 'OPENSSH PRIVATE KEY'])
  const lines = Array.from({ length: int(3, 8) }, () => chars(B64, 64)).join('\n')
  return `-----BEGIN ${kind}-----\n${lines}\n${chars(B64, int(10, 60))}==\n-----END ${kind}-----`
}
const password = () =>
  pick([
    () => chars(ALNUM + '!@#%^&*', int(10, 18)),
    () => `${pick(['Summer', 'Blue', 'Tiger', 'Maple'])}${int(10, 99)}!${chars(ALNUM, 3)}`,
    () => `hunter${int(2, 99)}${chars(ALNUM, 2)}`,
  ])()
const SECRET_KINDS = {
  openai_key: () =>
    pick([
      () => `sk-proj-${chars(B64URL, 120)}`,
      () => `sk-${chars(ALNUM, 48)}`,
      () => `sk-svcacct-${chars(B64URL, 100)}`,
    ]),
  anthropic_key: () => `sk-ant-api03-${chars(B64URL, 93)}AA`,
  aws_access_key: () => `${pick(['AKIA', 'ASIA'])}${chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`,
  github_token: () =>
    pick([
      () => `${pick(['ghp', 'gho', 'ghs', 'ghu'])}_${chars(ALNUM, 36)}`,
      () => `github_pat_${chars(ALNUM, 22)}_${chars(ALNUM, 59)}`,
    ]),
  slack_token: () => `${pick(['xoxb', 'xoxp'])}-${digits(12)}-${digits(13)}-${chars(ALNUM, 24)}`,
  stripe_key: () =>
    `${pick(['sk', 'rk'])}_${pick(['live', 'test'])}_${chars(ALNUM, pick([24, 99]))}`,
  google_api_key: () => `AIza${chars(B64URL, 35)}`,
  warden_key: () => `wdn_${chars(B64URL, 43)}`,
  jwt,
}
const resolve = (v) => (typeof v === 'function' ? v() : v)
const secrets = []
function addSecret(count, templates, draw) {
  for (let i = 0; i < count; i++) {
    const t = i % templates.length
    const template = templates[t]
    const holes = template.split('{}').length - 1
    secrets.push({
      ...fill(template, Array.from({ length: holes }, draw)),
      split: t % 2 === 0 ? 'holdout' : 'tune',
    })
  }
}
const KEY_TEMPLATES = [
  'export API_KEY={}',
  'here is my key {} why does it return 401?',
  'Authorization: Bearer {}',
  'client = Client(api_key="{}")',
  '{"token": "{}"}',
  "const key = '{}'",
  'I accidentally committed {} to the repo, what now?',
  'TOKEN={}\nDEBUG=true',
]
for (const [label, draw] of Object.entries(SECRET_KINDS))
  addSecret(label === 'jwt' ? 8 : 8, KEY_TEMPLATES, () => [resolve(draw()), label])
addSecret(
  8,
  [
    'aws_secret_access_key = {}',
    'AWS_SECRET_ACCESS_KEY={}',
    'aws secret: {}',
    '"SecretAccessKey": "{}"',
  ],
  () => [chars(B64, 40), 'aws_secret_key'],
)
addSecret(6, ['key.pem:\n{}\n', 'Here is the deploy key\n\n{}', 'ssh key {} end'], () => [
  pem(),
  'private_key',
])
addSecret(
  10,
  [
    'DATABASE_URL={}',
    'connect with {} please',
    'mongo uri: {}',
    'REDIS_URL="{}"',
    'spring.datasource.url={}',
  ],
  () => [
    pick([
      () =>
        `postgres://${pick(FIRST).replace(/\W/g, '')}:${chars(ALNUM, 16)}@db.${pick(['prod', 'internal', 'eu1'])}.acme.net:5432/orders`,
      () =>
        `mongodb+srv://app:${chars(ALNUM, 20)}@cluster0.${chars('abcdefghijklmnop0123456789', 5)}.mongodb.net/test`,
      () => `redis://:${chars(ALNUM, 24)}@cache.acme.net:6379/0`,
      () => `mysql://root:${password()}@10.0.${int(0, 255)}.${int(1, 254)}:3306/app`,
      () => `amqps://worker:${chars(ALNUM, 18)}@mq.acme.net/vhost`,
    ])(),
    'connection_string',
  ],
)
addSecret(
  12,
  [
    'password={}',
    '"password": "{}"',
    'DB_PASSWORD={}',
    'passwd: {}',
    "pwd = '{}'",
    'my password is {} please reset it',
  ],
  () => [password(), 'password_assignment'],
)
addSecret(
  10,
  [
    'client_secret: {}',
    'api_key = "{}"',
    'X-Api-Key: {}',
    'secret_token={}',
    'webhook secret is {}',
  ],
  () => [chars(B64URL, int(28, 48)), 'generic_secret'],
)

const SECRET_NEGATIVES = [
  () => 'export OPENAI_API_KEY=sk-...',
  () => 'set api_key="YOUR_API_KEY" in the config',
  () => 'Authorization: Bearer <token>',
  () => 'OPENAI_API_KEY=sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  () => 'AWS access key id: AKIAIOSFODNN7EXAMPLE',
  () => 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  () =>
    `request id ${chars(HEX, 8)}-${chars(HEX, 4)}-4${chars(HEX, 3)}-8${chars(HEX, 3)}-${chars(HEX, 12)}`,
  () => `fixed in ${chars(HEX, 40)}`,
  () => `git checkout ${chars(HEX, 7)}`,
  () => `<img src="data:image/png;base64,iVBORw0KGgo${chars(B64, 120)}=">`,
  () => `password: ********`,
  () => `password=\${DB_PASSWORD}`,
  () => `"password": "{{ vault_password }}"`,
  () => `password = os.environ["DB_PASSWORD"]`,
  () => `Enter your password: `,
  () => `password: <your-password>`,
  () => `postgres://user:password@localhost:5432/mydb`,
  () => `postgres://localhost:5432/mydb`,
  () => `redis://cache:6379/0`,
  () => `token: ${'a'.repeat(40)}`,
  () => `api_key = "${'0123456789abcdef'.repeat(2)}"`,
  () => `secret_key = "changeme"`,
  () => `ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx`,
  () => `Use sk_test_... from your Stripe dashboard`,
  () => `The publishable key pk_live_${chars(ALNUM, 24)} is safe to ship in the browser.`,
  () => `sha512-${chars(B64, 86)}==`,
  () => `integrity="sha384-${chars(B64, 64)}"`,
  () => `eyJhbGciOi... is how a JWT starts`,
  () => `The token count was ${int(100, 9000)} tokens.`,
  () => `secret santa list: ${pick(FIRST)}, ${pick(FIRST)}`,
  () => `key: value pairs like color: blue`,
  () => `skip-${chars('abcdefghijklmnopqrstuvwxyz', 12)}-tests`,
  () => `sk-learn is not the same as scikit-learn`,
  () => `token = request.headers.get("Authorization")`,
  () => `password_hash = bcrypt.hashpw(password, salt)`,
  () => `-----BEGIN CERTIFICATE-----\n${chars(B64, 64)}\n-----END CERTIFICATE-----`,
  () => `-----BEGIN PUBLIC KEY-----\n${chars(B64, 64)}\n-----END PUBLIC KEY-----`,
  () => `docker pull nginx@sha256:${chars(HEX, 64)}`,
  () =>
    `The file ${chars('abcdefghijklmnopqrstuvwxyz', 8)}.${pick(['tar.gz', 'zip'])} has md5 ${chars(HEX, 32)}`,
  () => `${pick(FIRST)} said the secret to good bread is time`,
]
for (let i = 0; i < 120; i++) {
  secrets.push({
    text: SECRET_NEGATIVES[i % SECRET_NEGATIVES.length](),
    spans: [],
    split: Math.floor(i / SECRET_NEGATIVES.length) % 2 === 0 ? 'holdout' : 'tune',
  })
}

const here = new URL('.', import.meta.url)
const lines = (list) => list.map((c) => JSON.stringify(c)).join('\n') + '\n'
writeFileSync(new URL('pii-cases.jsonl', here), lines(cases))
writeFileSync(new URL('secret-cases.jsonl', here), lines(secrets))
const count = (list) => {
  const by = {}
  for (const c of list)
    for (const s of c.spans.length ? c.spans : [{ type: 'negative' }])
      by[`${s.type}/${c.split}`] = (by[`${s.type}/${c.split}`] ?? 0) + 1
  return by
}
console.log(count(cases), count(secrets))
