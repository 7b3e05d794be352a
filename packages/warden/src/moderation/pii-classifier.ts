import { setImmediate as nextTurn } from 'node:timers/promises'
import type { CountryCode } from 'libphonenumber-js/max'
import { z } from 'zod'
import type { Classifier, ClassifierKind, ClassifyInput, Finding } from './classifier.js'
import { foldText, type FoldedText } from './folded-text.js'
import { withoutOverlaps } from './span-overlaps.js'
import { DEFAULT_PHONE_REGIONS, findPhones, isPhoneRegion } from './phone-finder.js'
import {
  findAadhaars,
  findCards,
  findDnis,
  findEmails,
  findIbans,
  findIpv4s,
  findIpv6s,
  findNinos,
  findSsns,
} from './pii-finders.js'
import { PII_TYPES, type PiiMatch, type PiiType } from './pii-types.js'

export const piiOptions = z
  .object({
    /** The kinds of personal data to look for (default: all). */
    types: z
      .array(z.enum(PII_TYPES))
      .min(1)
      .default([...PII_TYPES]),
    /** Regions whose national phone formats count, in the order they are tried. */
    phoneRegions: z
      .array(
        z
          .string()
          .refine(isPhoneRegion, { message: 'not a region libphonenumber knows (like GB, US)' }),
      )
      .min(1)
      .default([...DEFAULT_PHONE_REGIONS]),
  })
  .strict()
export type PiiOptions = z.infer<typeof piiOptions>

/** Texts longer than this give the event loop a turn between finders, and check the signal. */
const YIELD_ABOVE_CHARS = 64 * 1024

/**
 * The local PII classifier: e-mail addresses, phone numbers, payment cards, IBANs, national ids
 * (US SSN, UK NINO, Spanish DNI/NIE, Indian Aadhaar) and IP addresses, each validated beyond its
 * shape (checksums, issuer ranges, numbering plans, allocation rules) and reported with its span
 * in the original text. Cards are category `payment_card`, everything else `pii`; the label is
 * the kind (`email`, `phone`, `iban` …), so a redactor can name its placeholder.
 */
export const piiClassifierKind: ClassifierKind<PiiOptions> = {
  kind: 'pii',
  options: piiOptions,
  create(id, options) {
    return createPiiClassifier(id, options)
  },
}

/** Builds a PII classifier with given options (see {@link piiOptions}). */
export function createPiiClassifier(id: string, options: Partial<PiiOptions> = {}): Classifier {
  const { types, phoneRegions } = piiOptions.parse(options)
  const enabled = new Set<PiiType>(types)
  const regions = phoneRegions as CountryCode[]
  const finders: readonly (readonly [PiiType, (text: string) => PiiMatch[]])[] = [
    ['payment_card', findCards],
    ['iban', findIbans],
    ['aadhaar', findAadhaars],
    ['es_dni', findDnis],
    ['ssn', findSsns],
    ['nino', findNinos],
    ['email', findEmails],
    ['ip_address', findIpv4s],
    ['ip_address', findIpv6s],
    ['phone', (text) => findPhones(text, { regions })],
  ]
  const active = finders.filter(([type]) => enabled.has(type))
  const toFindings = (folded: FoldedText, matches: readonly PiiMatch[]): Finding[] =>
    withoutOverlaps(matches).map((m) => ({
      category: m.type === 'payment_card' ? 'payment_card' : 'pii',
      score: m.score,
      span: folded.toOriginal(m),
      label: m.type,
      classifier: id,
    }))
  return {
    id,
    classifyNow({ text, signal }: ClassifyInput): readonly Finding[] | undefined {
      if (text.length > YIELD_ABOVE_CHARS) return undefined
      signal.throwIfAborted()
      const folded = foldText(text)
      const matches: PiiMatch[] = []
      for (const [, find] of active) for (const m of find(folded.text)) matches.push(m)
      return toFindings(folded, matches)
    },
    async classify({ text, signal }: ClassifyInput): Promise<readonly Finding[]> {
      signal.throwIfAborted()
      const folded = foldText(text)
      const matches: PiiMatch[] = []
      for (const [, find] of active) {
        if (text.length > YIELD_ABOVE_CHARS) {
          await nextTurn()
          signal.throwIfAborted()
        }
        for (const m of find(folded.text)) matches.push(m)
      }
      return toFindings(folded, matches)
    },
  }
}
