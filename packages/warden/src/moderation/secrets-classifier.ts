import { setImmediate as nextTurn } from 'node:timers/promises'
import { z } from 'zod'
import type { Classifier, ClassifierKind, ClassifyInput, Finding } from './classifier.js'
import { foldText, type FoldedText } from './folded-text.js'
import { withoutOverlaps } from './span-overlaps.js'
import { SECRET_LABELS, SECRET_RULES, type SecretLabel } from './secret-rules.js'
import { matchesOf } from './regex-matches.js'

export const secretsOptions = z
  .object({
    /** The kinds of credential to look for (default: all). */
    labels: z
      .array(z.enum(SECRET_LABELS))
      .min(1)
      .default([...SECRET_LABELS]),
  })
  .strict()
export type SecretsOptions = z.infer<typeof secretsOptions>

/** Texts longer than this give the event loop a turn between rules, and check the signal. */
const YIELD_ABOVE_CHARS = 64 * 1024

interface SecretMatch {
  readonly start: number
  readonly end: number
  readonly label: SecretLabel
  readonly score: number
}

/**
 * The local secrets classifier: vendor API keys by their prefixes (OpenAI, Anthropic, AWS,
 * GitHub, Slack, Stripe, Google, Warden's own `wdn_`), PEM private keys, JWTs, connection
 * strings with a password, assigned passwords and high-entropy values next to `key`, `secret`
 * or `token`. Values that look like placeholders are not reported. Category `secrets`, label
 * the kind; the span is the credential itself (for an assignment, only the value).
 */
export const secretsClassifierKind: ClassifierKind<SecretsOptions> = {
  kind: 'secrets',
  options: secretsOptions,
  create(id, options) {
    return createSecretsClassifier(id, options)
  },
}

/** Builds a secrets classifier with given options (see {@link secretsOptions}). */
export function createSecretsClassifier(
  id: string,
  options: Partial<SecretsOptions> = {},
): Classifier {
  const { labels } = secretsOptions.parse(options)
  const enabled = new Set<SecretLabel>(labels)
  const rules = SECRET_RULES.filter((r) => enabled.has(r.label))
  const findPem = enabled.has('private_key')
  /** One rule's matches in the folded text, checked and trimmed. */
  const matchesOfRule = (rule: (typeof rules)[number], folded: string, into: SecretMatch[]) => {
    for (const m of matchesOf(rule.pattern, folded)) {
      const groups = m.groups ?? {}
      const value = groups.value ?? groups.dq ?? groups.sq
      const checked = groups.password ?? value ?? m[0]
      if (!rule.check(checked)) continue
      const start = value === undefined ? m.index : m.index + m[0].lastIndexOf(value)
      const end = value === undefined ? m.index + m[0].length : start + value.length
      into.push({ ...trimmed(folded, start, end), label: rule.label, score: rule.score })
    }
  }
  const toFindings = (folded: FoldedText, matches: readonly SecretMatch[]): Finding[] =>
    withoutOverlaps(matches).map((m) => ({
      category: 'secrets',
      score: m.score,
      span: folded.toOriginal(m),
      label: m.label,
      classifier: id,
    }))
  return {
    id,
    classifyNow({ text, signal }: ClassifyInput): readonly Finding[] | undefined {
      if (text.length > YIELD_ABOVE_CHARS) return undefined
      signal.throwIfAborted()
      const folded = foldText(text)
      const matches: SecretMatch[] = findPem ? findPrivateKeys(folded.text) : []
      for (const rule of rules) matchesOfRule(rule, folded.text, matches)
      return toFindings(folded, matches)
    },
    async classify({ text, signal }: ClassifyInput): Promise<readonly Finding[]> {
      signal.throwIfAborted()
      const folded = foldText(text)
      const matches: SecretMatch[] = findPem ? findPrivateKeys(folded.text) : []
      for (const rule of rules) {
        if (text.length > YIELD_ABOVE_CHARS) {
          await nextTurn()
          signal.throwIfAborted()
        }
        matchesOfRule(rule, folded.text, matches)
      }
      return toFindings(folded, matches)
    },
  }
}

/** A URL or value ends before closing punctuation that belongs to the sentence around it. */
function trimmed(text: string, start: number, end: number): { start: number; end: number } {
  let e = end
  while (e > start + 1 && '.,;:)]}!?'.includes(text.charAt(e - 1))) e--
  return { start, end: e }
}

const PEM_BEGIN = /-----BEGIN ((?:[A-Z0-9]+ ){0,3})PRIVATE KEY(?: BLOCK)?-----/y
const PEM_BODY_CHAR = /[A-Za-z0-9+/=\s:,-]/
/** A PEM body longer than this is not looked through for its END line (the largest RSA keys are ~3 KB). */
const MAX_PEM_CHARS = 16 * 1024

/**
 * PEM private keys (`-----BEGIN … PRIVATE KEY-----` to its `-----END … -----` line; a block cut
 * off before its END line runs to the end of its base64 body). A body with fewer than 64
 * base64 characters is an elided example (`…`), not a key. Public keys and certificates are
 * not secrets.
 */
function findPrivateKeys(text: string): SecretMatch[] {
  const found: SecretMatch[] = []
  for (let at = text.indexOf('-----BEGIN '); at >= 0; at = text.indexOf('-----BEGIN ', at + 1)) {
    PEM_BEGIN.lastIndex = at
    const header = PEM_BEGIN.exec(text)
    if (!header) continue
    const bodyStart = at + header[0].length
    let end = text.indexOf('-----END ', bodyStart)
    if (end < 0 || end - bodyStart > MAX_PEM_CHARS) {
      end = bodyStart
      while (
        end < text.length &&
        end - bodyStart < MAX_PEM_CHARS &&
        PEM_BODY_CHAR.test(text.charAt(end))
      )
        end++
    } else {
      const close = text.indexOf('-----', end + 9)
      end = close < 0 ? end + 9 : close + 5
    }
    const body = text.slice(bodyStart, end).replace(/-----END[^-]*-----/, '')
    if ((body.match(/[A-Za-z0-9+/]/g) ?? []).length < 64) continue
    found.push({ start: at, end, label: 'private_key', score: 1 })
    at = end - 1
  }
  return found
}
