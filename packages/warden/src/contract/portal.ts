import { z } from 'zod'
import { useCaseFormSchema, type UseCaseForm } from '../domain/index.js'

/** Request and response shapes of `/api/portal/*` and the review endpoints of the admin API. */

const text = (max: number) => z.string().trim().max(max)

export { AUDIENCES, useCaseFormSchema } from '../domain/index.js'
export type { UseCaseForm } from '../domain/index.js'

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

/** A mitigation a high-scrutiny domain requires, and what in the form shows it (null: nothing). */
export interface MitigationCheckDto {
  readonly id: string
  readonly title: string
  readonly required_by: readonly string[]
  readonly evidence: string | null
}

/** What the pre-screen said of a submitted form, as it is stored with the application. */
export interface StoredPrescreen {
  readonly outcome: string
  readonly clauses: readonly PrescreenClauseDto[]
  /** For a high-scrutiny outcome; absent from records stored before mitigations were kept. */
  readonly mitigations?: readonly MitigationCheckDto[]
}

export interface UseCaseApplicationDto {
  readonly id: string
  readonly org_id: string
  readonly app_id: string
  readonly state: string
  readonly form: UseCaseForm
  /** `mitigations` is always there: for a high-scrutiny outcome, the ones its domains require. */
  readonly prescreen: Required<StoredPrescreen> | null
  readonly tier: string | null
  readonly conditions: string | null
  readonly appealed: boolean
  readonly created_by: string
  readonly created_at: number
  readonly updated_at: number
  readonly history: readonly ApplicationEventDto[]
}
