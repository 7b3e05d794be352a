import { z } from 'zod'

/** Request and response shapes of `/api/portal/*` and the review endpoints of the admin API. */

const text = (max: number) => z.string().trim().max(max)

export const AUDIENCES = ['internal', 'business', 'consumers', 'minors'] as const

/** The use-case form an organization fills in to reach production; bounded everywhere. */
export const useCaseFormSchema = z.strictObject({
  /** What the application does, in the applicant's words. */
  description: text(8000).min(20, 'describe the use case in at least 20 characters'),
  /** The applicant's own category (`customer support`, `coding assistant`, …). */
  category: text(100).optional(),
  /** Domains the applicant says it touches (`medicine`, `finance`, …): a hint, not trusted. */
  domains: z.array(text(60).min(1)).max(20).default([]),
  audience: z.array(z.enum(AUDIENCES)).max(4).default([]),
  /** Requests a day the applicant expects. */
  expected_volume: z.number().int().min(0).max(1e12).optional(),
  /** Whether a person reviews outputs before they reach the people they affect. */
  human_oversight: z.boolean().optional(),
  /** Whether end users are told they deal with AI. */
  discloses_ai: z.boolean().optional(),
  safeguards: text(4000).optional(),
  samples: z
    .array(z.strictObject({ prompt: text(4000), output: text(4000).optional() }))
    .max(10)
    .default([]),
  /** Who to contact about a safety problem: a name and an address. */
  safety_contact: text(300).optional(),
})
export type UseCaseForm = z.infer<typeof useCaseFormSchema>

export const createUseCaseApplicationRequestSchema = z.strictObject({
  /** The API application (id or name) the use case is for; created when the name is new. */
  app: z.string().min(1).max(100),
  form: useCaseFormSchema,
})

export const updateUseCaseApplicationRequestSchema = z.strictObject({ form: useCaseFormSchema })

export const appealRequestSchema = z.strictObject({ reason: text(4000).min(1) })

export const REVIEW_DECISIONS = [
  'approve',
  'approve_with_conditions',
  'reject',
  'request_changes',
] as const

/** A reviewer's decision: always a reason and the clauses it rests on. */
export const reviewDecisionRequestSchema = z.strictObject({
  decision: z.enum(REVIEW_DECISIONS),
  reason: text(4000).min(1),
  clauses: z.array(z.string().min(1).max(100)).min(1).max(20),
  /** The tier an approval grants (default: `production`). */
  tier: z.string().min(1).max(48).optional(),
  /** What the approval requires; needed for `approve_with_conditions`. */
  conditions: text(4000).optional(),
})

export const STANDING_ACTIONS = ['suspend', 'reinstate', 'revoke'] as const

export const standingRequestSchema = z.strictObject({
  reason: text(4000).min(1),
  clauses: z.array(z.string().min(1).max(100)).max(20).default([]),
})

export const inviteRequestSchema = z.strictObject({
  username: z.string().min(3).max(100),
  role: z.enum(['admin', 'reviewer', 'org_owner', 'org_developer']),
  /** The organization of a member role; omitted for staff. */
  org: z.string().min(1).max(100).optional(),
})

export const webhookRequestSchema = z.strictObject({ url: z.string().min(1).max(2000) })

export const memberInviteRequestSchema = z.strictObject({
  username: z.string().min(3).max(100),
  role: z.enum(['org_owner', 'org_developer']),
})

export interface ApplicationEventDto {
  readonly at: number
  readonly actor: string
  readonly from: string
  readonly to: string
  readonly reason: string | null
  readonly clauses: readonly string[]
}

export interface PrescreenClauseDto {
  readonly id: string
  readonly why: string
}

export interface UseCaseApplicationDto {
  readonly id: string
  readonly org_id: string
  readonly app_id: string
  readonly state: string
  readonly form: UseCaseForm
  readonly prescreen: {
    readonly outcome: string
    readonly clauses: readonly PrescreenClauseDto[]
  } | null
  readonly tier: string | null
  readonly conditions: string | null
  readonly appealed: boolean
  readonly created_by: string
  readonly created_at: number
  readonly updated_at: number
  readonly history: readonly ApplicationEventDto[]
}
