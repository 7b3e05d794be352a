/**
 * The kinds of personal data the PII classifier finds. Each is the finding's `label` (and so
 * the redaction placeholder, `[EMAIL_1]`); cards are their own policy category, `payment_card`,
 * the rest fall under `pii`.
 */
export const PII_TYPES = [
  'email',
  'phone',
  'payment_card',
  'iban',
  'ssn',
  'nino',
  'es_dni',
  'aadhaar',
  'ip_address',
] as const
export type PiiType = (typeof PII_TYPES)[number]

/** One value found in the folded text, before it becomes a finding. */
export interface PiiMatch {
  readonly start: number
  readonly end: number
  readonly type: PiiType
  /** 1 when a checksum proved it, lower when only its shape and rules did. */
  readonly score: number
}

/**
 * How sure each kind of match is. A check digit (cards, IBAN, DNI, Aadhaar) leaves about one
 * random look-alike in ten to a hundred, and issuer ranges and lengths fewer still; numbering
 * rules (SSN, NINO) and numbering plans (phones, many ranges per country) reject most but not all; an e-mail address's
 * shape is strong evidence; a dotted quad is the weakest, as versions and OIDs share it.
 */
export const PII_SCORES: Readonly<Record<PiiType, number>> = {
  payment_card: 1,
  iban: 1,
  es_dni: 1,
  aadhaar: 1,
  ssn: 0.9,
  nino: 0.9,
  phone: 0.85,
  email: 0.8,
  ip_address: 0.6,
}
