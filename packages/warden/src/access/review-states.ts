import type { StoredPrescreen, UseCaseForm } from '../contract/index.js'
import { WardenError } from '../domain/index.js'
import type { PolicyDocument } from '../policy/index.js'
import type { Database } from '../store/index.js'

export const REVIEW_STATES = [
  'draft',
  'auto_rejected',
  'in_review',
  'auto_approved',
  'needs_changes',
  'approved',
  'approved_with_conditions',
  'rejected',
  'appealed',
  'suspended',
  'revoked',
] as const
/** Where a use-case application stands in review. */
export type ReviewState = (typeof REVIEW_STATES)[number]

/** What the pre-screen says about a form: the outcome and the clauses it touched. */
export interface PrescreenResult extends StoredPrescreen {
  readonly outcome: 'prohibited' | 'high_scrutiny' | 'low_risk'
}

/** Who acts on an application: a member of its organization, or the gateway's staff. */
export type ReviewActor =
  | {
      readonly kind: 'member'
      readonly userId: string
      readonly orgId: string
      readonly owner: boolean
    }
  | { readonly kind: 'staff'; readonly userId: string }
  | { readonly kind: 'cli' }

/** One transition in an application's history. */
export interface ApplicationEvent {
  readonly at: number
  readonly actor: string
  readonly from: ReviewState
  readonly to: ReviewState
  readonly reason: string | null
  readonly clauses: readonly string[]
}

/** A use-case application with its history. */
export interface UseCaseApplication {
  readonly id: string
  readonly orgId: string
  readonly appId: string
  readonly state: ReviewState
  readonly revision: number
  readonly form: UseCaseForm
  readonly prescreen: PrescreenResult | null
  readonly tier: string | null
  readonly conditions: string | null
  readonly appealed: boolean
  readonly createdBy: string
  readonly createdAt: number
  readonly updatedAt: number
  readonly history: readonly ApplicationEvent[]
}

export const APPROVED: readonly ReviewState[] = [
  'approved',
  'approved_with_conditions',
  'auto_approved',
]

/** The actions and, for each, the states it leaves from and who may take it. */
export const ACTIONS = {
  submit: { from: ['draft', 'needs_changes'], who: 'member' },
  approve: { from: ['in_review', 'appealed'], who: 'staff' },
  approve_with_conditions: { from: ['in_review', 'appealed'], who: 'staff' },
  reject: { from: ['in_review', 'appealed'], who: 'staff' },
  request_changes: { from: ['in_review'], who: 'staff' },
  appeal: { from: ['rejected', 'auto_rejected'], who: 'owner' },
  suspend: { from: APPROVED, who: 'staff' },
  reinstate: { from: ['suspended'], who: 'staff' },
  revoke: { from: [...APPROVED, 'suspended'], who: 'staff' },
} as const satisfies Record<
  string,
  { readonly from: readonly ReviewState[]; readonly who: 'member' | 'owner' | 'staff' }
>
/** Something that moves an application from one state to another. */
export type ReviewAction = keyof typeof ACTIONS

/** How an actor is written in history and audit entries. */
export function actorName(actor: ReviewActor): string {
  return actor.kind === 'cli'
    ? 'cli'
    : `${actor.kind === 'member' ? 'member' : 'admin'}:${actor.userId}`
}

/** Whether `actor` is among those `who` names, for an application of `orgId`. */
export function mayAct(
  actor: ReviewActor,
  who: 'member' | 'owner' | 'staff',
  orgId: string,
): boolean {
  if (who === 'staff') return actor.kind === 'staff' || actor.kind === 'cli'
  if (actor.kind !== 'member' || actor.orgId !== orgId) return false
  return who === 'member' || actor.owner
}

/** A stored application and its history rows, as the operations return it. */
export function toUseCaseApplication(
  row: Database['use_case_application'],
  events: ReadonlyArray<Database['application_event']>,
): UseCaseApplication {
  return {
    id: row.id,
    orgId: row.org_id,
    appId: row.app_id,
    state: row.state as ReviewState,
    revision: row.revision,
    form: JSON.parse(row.form) as UseCaseForm,
    prescreen: row.prescreen === null ? null : (JSON.parse(row.prescreen) as PrescreenResult),
    tier: row.tier,
    conditions: row.conditions,
    appealed: row.appealed === 1,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    history: events.map((e) => ({
      at: e.at,
      actor: e.actor,
      from: e.from_state as ReviewState,
      to: e.to_state as ReviewState,
      reason: e.reason,
      clauses: JSON.parse(e.clauses) as string[],
    })),
  }
}

/** The 409 for an action the application's state does not allow. */
export function refuseAction(action: string, current: { readonly state: ReviewState }): never {
  throw new WardenError(
    'conflict',
    `An application that is ${current.state.replaceAll('_', ' ')} cannot be ${action.replaceAll('_', ' ')}${action.endsWith('e') ? 'd' : 'ed'}.`,
  )
}

/** The 403 for an actor the action's rule does not name. */
export function refuseActor(who: 'member' | 'owner' | 'staff'): never {
  throw new WardenError(
    'forbidden',
    who === 'staff'
      ? 'Only a reviewer or an admin may do this.'
      : who === 'owner'
        ? "Only an owner of the application's organization may do this."
        : "Only a member of the application's organization may do this.",
  )
}

/** The tier an approval grants: the one asked for (default `production`), never the default. */
export function grantableTier(policy: PolicyDocument, asked: string | undefined): string {
  const tier = asked ?? 'production'
  if (!policy.tiers.some((t) => t.id === tier && !t.default)) {
    throw new WardenError(
      'invalid_request_error',
      `"${tier}" is not a tier an approval can grant in the current usage policy`,
      { param: 'tier' },
    )
  }
  return tier
}

/** The 409 for a write that lost to another: the application changed since it was read. */
export function refuseRace(): never {
  throw new WardenError(
    'conflict',
    'The application changed while this was decided; reload it and decide again.',
  )
}
