import { z } from 'zod'
import { monitoringPolicySchema } from './monitoring-policy.js'

/** Ids inside a section: lower-case slugs, so a clause id reads `prohibited.spam`. */
const slug = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,47}$/, 'must be a lower-case slug: a-z, 0-9 and _, at most 48')

/** Prose of the policy: bounded, so one clause cannot swamp a page or a prompt. */
const prose = (max: number) => z.string().trim().min(1).max(max)

/**
 * A phrase the pre-screen looks for, case-insensitively and on word boundaries: `*` at the end
 * of a word matches any ending (`phish*`), `*` alone stands for one word.
 */
const indicator = z
  .string()
  .trim()
  .min(2)
  .max(80)
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} '*.\-/]*$/u, "letters, digits, spaces, ' - . / and *")

/**
 * Two lists of indicators that count together: the clause matches where a phrase of `any` and a
 * phrase of `with` occur in one sentence ("sexual" with "14-year-old"). For uses no single
 * phrase names without also naming harmless ones.
 */
const togetherSchema = z.strictObject({
  any: z.array(indicator).min(1).max(100),
  with: z.array(indicator).min(1).max(100),
})

const clauseFields = {
  id: slug,
  title: prose(120),
  text: prose(2000),
}

const prohibitedSchema = z.strictObject({
  ...clauseFields,
  examples: z.array(prose(300)).max(20).default([]),
  indicators: z.array(indicator).max(200).default([]),
  together: z.array(togetherSchema).max(20).default([]),
  /**
   * False where the harm is itself an act of detection or recognition (identifying faces in a
   * crowd): then words such as "scan", "detect" or "alert" near a mention do not set it aside as
   * defensive. Negations still do.
   */
  defensive_cues: z.boolean().default(true),
})

const scrutinySchema = z.strictObject({
  ...clauseFields,
  /** Ids of the mitigations an application in this domain must have in place. */
  mitigations: z.array(slug).min(1).max(20),
  indicators: z.array(indicator).max(200).default([]),
  together: z.array(togetherSchema).max(20).default([]),
})

/** Yes/no answers of the use-case form that, when true, show a mitigation is in place. */
export const MITIGATION_FORM_FIELDS = ['human_oversight', 'discloses_ai'] as const
/** A yes/no field of the use-case form. */
export type MitigationFormField = (typeof MITIGATION_FORM_FIELDS)[number]

const mitigationSchema = z.strictObject({
  ...clauseFields,
  /** Form answers that cover this mitigation when true (`human_oversight: true`). */
  form_fields: z.array(z.enum(MITIGATION_FORM_FIELDS)).max(2).default([]),
  /** Phrases in an application's safeguards text that show this mitigation is in place. */
  indicators: z.array(indicator).max(200).default([]),
})

export const CONTENT_ACTIONS = ['allow', 'flag', 'redact', 'block'] as const
/** What the content filter does with a finding at or above the threshold. */
export type ContentAction = (typeof CONTENT_ACTIONS)[number]

const contentRule = z.strictObject({
  action: z.enum(CONTENT_ACTIONS),
  threshold: z.number().min(0).max(1),
})

const categorySchema = z.strictObject({
  ...clauseFields,
  /**
   * Per tier id: the action and the score at which it applies, to prompts and answers alike,
   * unless `input` or `output` says otherwise for that direction.
   */
  actions: z.record(
    slug,
    contentRule.extend({
      input: contentRule.partial().optional(),
      output: contentRule.partial().optional(),
    }),
  ),
})

/** What the content filter does with one category in one tier and direction. */
export type ContentRule = z.infer<typeof contentRule>

const limit = z.number().int().positive().max(1e12)

const modelPattern = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\s]+$/, 'no spaces')

const tierSchema = z.strictObject({
  ...clauseFields,
  /** The tier of every new application; exactly one tier has it. */
  default: z.boolean().default(false),
  limits: z.strictObject({
    requests_per_minute: limit,
    tokens_per_minute: limit,
    tokens_per_day: limit,
    concurrent_requests: limit,
  }),
  /** Tighter limits for the models a pattern matches, counted apart from the tier's own. */
  model_limits: z
    .record(
      modelPattern,
      z.strictObject({
        requests_per_minute: limit.optional(),
        tokens_per_minute: limit.optional(),
        tokens_per_day: limit.optional(),
        concurrent_requests: limit.optional(),
      }),
    )
    .optional(),
  /** Completion tokens reserved for a request that sets no `max_tokens`. */
  default_max_tokens: limit.optional(),
  /** Public model ids the tier may use; `*` matches any run of characters (`gpt-4o*`, `*`). */
  models: z.array(modelPattern).min(1).max(200),
})

const retentionSchema = z.strictObject({
  /** Days the text of a flagged request and its answer is kept for review. */
  flagged_content_days: z.number().int().min(0).max(3650),
  /** What is kept of requests nothing flagged: nothing of their text, or a hash of it. */
  unflagged_content: z.enum(['none', 'hash']),
  /** Days usage records (counts, never text) are kept. */
  usage_days: z.number().int().min(1).max(3650),
})

/** The usage policy as its YAML source says it, validated. */
export const policyDocumentSchema = z
  .strictObject({
    /** The format of this document, so later formats can be read alongside. */
    format: z.literal(1),
    name: prose(120),
    summary: prose(4000),
    prohibited: z.array(prohibitedSchema).min(1).max(100),
    high_scrutiny: z.array(scrutinySchema).max(100).default([]),
    mitigations: z.array(mitigationSchema).max(100).default([]),
    categories: z.array(categorySchema).max(100).default([]),
    tiers: z.array(tierSchema).min(1).max(20),
    retention: retentionSchema,
    monitoring: monitoringPolicySchema.prefault({}),
  })
  .superRefine((doc, ctx) => {
    const sections = ['prohibited', 'high_scrutiny', 'mitigations', 'categories', 'tiers'] as const
    for (const section of sections) {
      const seen = new Set<string>()
      doc[section].forEach((entry, index) => {
        if (seen.has(entry.id)) {
          ctx.addIssue({
            code: 'custom',
            path: [section, index, 'id'],
            message: `"${entry.id}" is used twice in ${section}`,
          })
        }
        seen.add(entry.id)
      })
    }
    const mitigations = new Set(doc.mitigations.map((m) => m.id))
    doc.high_scrutiny.forEach((domain, index) => {
      domain.mitigations.forEach((id, at) => {
        if (!mitigations.has(id)) {
          ctx.addIssue({
            code: 'custom',
            path: ['high_scrutiny', index, 'mitigations', at],
            message: `no mitigation "${id}" in mitigations`,
          })
        }
      })
    })
    const tiers = new Set(doc.tiers.map((t) => t.id))
    doc.categories.forEach((category, index) => {
      for (const tier of Object.keys(category.actions)) {
        if (!tiers.has(tier)) {
          ctx.addIssue({
            code: 'custom',
            path: ['categories', index, 'actions', tier],
            message: `no tier "${tier}" in tiers`,
          })
        }
      }
    })
    const defaults = doc.tiers.filter((t) => t.default)
    if (defaults.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['tiers'],
        message: `exactly one tier must have "default: true" (found ${defaults.length})`,
      })
    }
  })

/** A validated usage policy. */
export type PolicyDocument = z.infer<typeof policyDocumentSchema>
/** One tier of a policy. */
export type PolicyTier = PolicyDocument['tiers'][number]
/** The request and token limits of one tier. */
export type TierLimits = PolicyTier['limits']

export const CLAUSE_SECTIONS = [
  'prohibited',
  'high_scrutiny',
  'mitigation',
  'category',
  'tier',
  'retention',
] as const
/** Where in the policy a clause sits; its id starts with this. */
export type ClauseSection = (typeof CLAUSE_SECTIONS)[number]

/** One citable part of the policy: what reviews, refusals and reports name. */
export interface Clause {
  /** Stable across versions: `prohibited.spam`, `high_scrutiny.medicine`, `tier.sandbox`. */
  readonly id: string
  readonly section: ClauseSection
  readonly title: string
  readonly text: string
  /** The rest of the clause in words (examples, mitigations, limits, actions), for diffs. */
  readonly details: readonly string[]
}

/** Every clause of a policy, in document order. */
export function clausesOf(doc: PolicyDocument): Clause[] {
  const clause = (
    section: ClauseSection,
    entry: { id: string; title: string; text: string },
    details: string[],
  ): Clause => ({
    id: `${section}.${entry.id}`,
    section,
    title: entry.title,
    text: entry.text,
    details,
  })
  return [
    ...doc.prohibited.map((p) =>
      clause(
        'prohibited',
        p,
        p.examples.map((e) => `Example: ${e}`),
      ),
    ),
    ...doc.high_scrutiny.map((d) =>
      clause(
        'high_scrutiny',
        d,
        d.mitigations.map((m) => `Requires: mitigation.${m}`),
      ),
    ),
    ...doc.mitigations.map((m) => clause('mitigation', m, [])),
    ...doc.categories.map((c) =>
      clause(
        'category',
        c,
        Object.entries(c.actions).flatMap(([tier, a]) => [
          `In ${tier}: ${a.action} at a score of ${a.threshold} or more`,
          ...(['input', 'output'] as const).flatMap((direction) => {
            const own = a[direction]
            return own
              ? [
                  `In ${tier}, for ${direction === 'input' ? 'prompts' : 'answers'}: ${own.action ?? a.action} at a score of ${own.threshold ?? a.threshold} or more`,
                ]
              : []
          }),
        ]),
      ),
    ),
    ...doc.tiers.map((t) =>
      clause('tier', t, [
        ...(t.default ? ['The tier of every new application'] : []),
        `${t.limits.requests_per_minute} requests a minute`,
        `${t.limits.tokens_per_minute} tokens a minute`,
        `${t.limits.tokens_per_day} tokens a day`,
        `${t.limits.concurrent_requests} requests at once`,
        ...Object.entries(t.model_limits ?? {}).map(
          ([pattern, limits]) =>
            `For ${pattern}: ` +
            Object.entries(limits)
              .map(([name, value]) => `${value} ${name.replaceAll('_', ' ')}`)
              .join(', '),
        ),
        ...(t.default_max_tokens === undefined
          ? []
          : [`${t.default_max_tokens} completion tokens reserved when a request sets none`]),
        `Models: ${t.models.join(', ')}`,
      ]),
    ),
    {
      id: 'retention',
      section: 'retention',
      title: 'Data retention',
      text:
        `The text of flagged requests and answers is kept ${doc.retention.flagged_content_days} days for review. ` +
        (doc.retention.unflagged_content === 'none'
          ? 'Of other requests no text is kept, only counts.'
          : 'Of other requests only a hash of the text is kept.') +
        ` Usage records are kept ${doc.retention.usage_days} days.`,
      details: [],
    },
  ]
}

/** The default tier: the one every new application starts in. */
export function defaultTierOf(doc: PolicyDocument): PolicyTier {
  const tier = doc.tiers.find((t) => t.default)
  if (!tier) throw new Error('a validated policy has a default tier')
  return tier
}

/** Whether `model` matches one of a tier's patterns (`*` matches any run of characters). */
export function tierAllowsModel(tier: PolicyTier, model: string): boolean {
  return tier.models.some((pattern) => modelMatches(pattern, model))
}

/** Whether `model` matches `pattern` (`*` matches any run of characters). */
export function modelMatches(pattern: string, text: string): boolean {
  if (!pattern.includes('*')) return pattern === text
  const parts = pattern.split('*')
  const first = parts[0] ?? ''
  const last = parts[parts.length - 1] ?? ''
  if (!text.startsWith(first) || text.length < first.length + last.length) return false
  let at = first.length
  for (const part of parts.slice(1, -1)) {
    const found = text.indexOf(part, at)
    if (found === -1) return false
    at = found + part.length
  }
  return text.endsWith(last) && at <= text.length - last.length
}
