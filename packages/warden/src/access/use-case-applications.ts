import type { Kysely } from 'kysely'
import type { UseCaseForm } from '../contract/index.js'
import { WardenError, type AuditSink } from '../domain/index.js'
import { clausesOf, type PolicyDocument } from '../policy/index.js'
import type { ChangeFeed, Database } from '../store/index.js'
import { createId } from './ids.js'
import {
  ACTIONS,
  APPROVED,
  actorName,
  mayAct,
  grantableTier,
  refuseAction,
  refuseActor,
  refuseRace,
  toUseCaseApplication,
  type ApplicationEvent,
  type PrescreenResult,
  type ReviewAction,
  type ReviewActor,
  type ReviewState,
  type UseCaseApplication,
} from './review-states.js'
import type { Webhooks } from './webhooks.js'

export interface UseCaseApplicationDeps {
  readonly db: Kysely<Database>
  readonly audit: AuditSink
  readonly now: () => number
  readonly changes: ChangeFeed
  /** The current policy document, to check cited clause ids and tiers. */
  readonly policy: () => Promise<PolicyDocument>
  readonly prescreen: (form: UseCaseForm, policy: PolicyDocument) => PrescreenResult
  /** Whether a low-risk application is approved without a reviewer (`review.autoApproveLowRisk`). */
  readonly autoApproveLowRisk: boolean
  /** Queues the organization's webhook event in the transition's own transaction. */
  readonly webhooks: Pick<Webhooks, 'enqueue'>
}

type Row = Database['use_case_application']

/** Use-case applications: the form, the pre-screen, review, appeal and standing. */
export function createUseCaseApplications(deps: UseCaseApplicationDeps) {
  const { db, audit, now, changes } = deps

  async function load(id: string): Promise<UseCaseApplication | undefined> {
    const row = await db
      .selectFrom('use_case_application')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    if (!row) return undefined
    const events = await db
      .selectFrom('application_event')
      .selectAll()
      .where('application_id', '=', id)
      .orderBy('revision')
      .execute()
    return toUseCaseApplication(row, events)
  }

  /** An application the actor may see: staff see all, a member only their organization's. */
  async function visible(id: string, actor: ReviewActor): Promise<UseCaseApplication> {
    const found = await load(id)
    if (!found || (actor.kind === 'member' && actor.orgId !== found.orgId)) {
      throw new WardenError('not_found', `No application "${id}".`, { param: 'id' })
    }
    return found
  }

  async function checkClauses(clauses: readonly string[]): Promise<void> {
    const known = new Set(clausesOf(await deps.policy()).map((c) => c.id))
    const unknown = clauses.filter((c) => !known.has(c))
    if (unknown.length > 0) {
      throw new WardenError(
        'invalid_request_error',
        `not clauses of the current usage policy: ${unknown.join(', ')}`,
        { param: 'clauses' },
      )
    }
  }

  /**
   * Moves an application from the state it was read in to `to`, in one transaction with its
   * history and the API application's tier and status. The update names the revision it read:
   * of two racing transitions one wins, the other gets 409 and changes nothing.
   */
  async function transition(
    current: UseCaseApplication,
    to: ReviewState,
    input: {
      readonly actor: ReviewActor
      readonly action: ReviewAction | 'prescreen'
      readonly reason: string | null
      readonly clauses: readonly string[]
      readonly set?: Partial<Pick<Row, 'prescreen' | 'tier' | 'conditions' | 'appealed'>>
    },
  ): Promise<UseCaseApplication> {
    const at = now()
    const event: ApplicationEvent = {
      at,
      actor: input.action === 'prescreen' ? 'system' : actorName(input.actor),
      from: current.state,
      to,
      reason: input.reason,
      clauses: input.clauses,
    }
    const tier = input.set?.tier ?? current.tier
    /** What the audit entry and the webhook event both say about the transition. */
    const summary = {
      org_id: current.orgId,
      app_id: current.appId,
      from: event.from,
      to,
      reason: input.reason,
      clauses: input.clauses,
    }
    const won = await db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('use_case_application')
        .set({ ...input.set, state: to, revision: current.revision + 1, updated_at: at })
        .where('id', '=', current.id)
        .where('revision', '=', current.revision)
        .executeTakeFirst()
      if (updated.numUpdatedRows !== 1n) return false
      await trx
        .insertInto('application_event')
        .values({
          id: createId('evt'),
          application_id: current.id,
          revision: current.revision + 1,
          at,
          actor: event.actor,
          from_state: event.from,
          to_state: to,
          reason: input.reason,
          clauses: JSON.stringify(input.clauses),
        })
        .execute()
      const app = trx.updateTable('application').where('id', '=', current.appId)
      if (APPROVED.includes(to)) await app.set({ tier, status: 'active' }).execute()
      else if (to === 'suspended') await app.set({ status: 'suspended' }).execute()
      else if (to === 'revoked') await app.set({ status: 'revoked' }).execute()
      await deps.webhooks.enqueue(trx, current.orgId, `application.${to}`, {
        id: current.id,
        ...summary,
        at: Math.floor(at / 1000),
      })
      return true
    })
    if (!won) refuseRace()
    await changes.announce()
    await audit.appendNow({
      actor: event.actor,
      action: `application.${input.action}`,
      target: current.id,
      details: { ...summary, ...(APPROVED.includes(to) ? { tier } : {}) },
    })
    const after = await load(current.id)
    if (!after) throw new Error('the application vanished')
    return after
  }

  async function act(
    id: string,
    action: ReviewAction,
    actor: ReviewActor,
    decide: (current: UseCaseApplication) => Promise<UseCaseApplication>,
  ): Promise<UseCaseApplication> {
    const current = await visible(id, actor)
    const rule = ACTIONS[action]
    if (!mayAct(actor, rule.who, current.orgId)) refuseActor(rule.who)
    if (!(rule.from as readonly ReviewState[]).includes(current.state)) {
      refuseAction(action, current)
    }
    return decide(current)
  }

  return {
    /** Starts a draft for one of the organization's API applications. */
    async create(input: {
      readonly orgId: string
      readonly appId: string
      readonly form: UseCaseForm
      readonly actor: ReviewActor
    }): Promise<UseCaseApplication> {
      if (input.actor.kind === 'member' && !mayAct(input.actor, 'member', input.orgId))
        refuseActor('member')
      const at = now()
      const id = createId('uca')
      await db
        .insertInto('use_case_application')
        .values({
          id,
          org_id: input.orgId,
          app_id: input.appId,
          state: 'draft',
          revision: 0,
          form: JSON.stringify(input.form),
          prescreen: null,
          tier: null,
          conditions: null,
          appealed: 0,
          created_by: actorName(input.actor),
          created_at: at,
          updated_at: at,
        })
        .execute()
      await audit.appendNow({
        actor: actorName(input.actor),
        action: 'application.create',
        target: id,
        details: { org_id: input.orgId, app_id: input.appId },
      })
      return (await load(id)) as UseCaseApplication
    },

    /** Replaces the form of a draft, or of an application sent back for changes. */
    async update(id: string, form: UseCaseForm, actor: ReviewActor): Promise<UseCaseApplication> {
      const current = await visible(id, actor)
      if (!mayAct(actor, 'member', current.orgId)) refuseActor('member')
      if (current.state !== 'draft' && current.state !== 'needs_changes')
        refuseAction('edit', current)
      const updated = await db
        .updateTable('use_case_application')
        .set({ form: JSON.stringify(form), revision: current.revision + 1, updated_at: now() })
        .where('id', '=', id)
        .where('revision', '=', current.revision)
        .executeTakeFirst()
      if (updated.numUpdatedRows !== 1n) refuseRace()
      await audit.appendNow({ actor: actorName(actor), action: 'application.update', target: id })
      return (await load(id)) as UseCaseApplication
    },

    /**
     * Submits the form and pre-screens it: a prohibited use case is rejected at once, naming
     * its clauses; a high-scrutiny one goes to a reviewer with the mitigations it needs; a
     * low-risk one is approved when the operator allows it, else it goes to a reviewer too.
     */
    submit(id: string, actor: ReviewActor): Promise<UseCaseApplication> {
      return act(id, 'submit', actor, async (current) => {
        const result = deps.prescreen(current.form, await deps.policy())
        const to: ReviewState =
          result.outcome === 'prohibited'
            ? 'auto_rejected'
            : result.outcome === 'low_risk' && deps.autoApproveLowRisk
              ? 'auto_approved'
              : 'in_review'
        const clauses = result.clauses.map((c) => c.id)
        return transition(current, to, {
          actor,
          action: 'submit',
          reason:
            to === 'auto_rejected'
              ? `The pre-screen found a prohibited use: ${result.clauses.map((c) => `${c.id} (${c.why})`).join('; ')}`
              : to === 'auto_approved'
                ? 'The pre-screen found a low-risk use case; low-risk use cases are approved automatically.'
                : `Waiting for a reviewer. Pre-screen: ${result.outcome.replace('_', ' ')}.`,
          clauses,
          set: {
            prescreen: JSON.stringify(result),
            ...(to === 'auto_approved' ? { tier: 'production' } : {}),
          },
        })
      })
    },

    /** A reviewer's decision on an application in review or on appeal. */
    async decide(
      id: string,
      input: {
        readonly decision: 'approve' | 'approve_with_conditions' | 'reject' | 'request_changes'
        readonly reason: string
        readonly clauses: readonly string[]
        readonly tier?: string | undefined
        readonly conditions?: string | undefined
        readonly actor: ReviewActor
      },
    ): Promise<UseCaseApplication> {
      return act(id, input.decision, input.actor, async (current) => {
        await checkClauses(input.clauses)
        if (current.state === 'appealed' && input.actor.kind === 'staff') {
          const rejectedBy = [...current.history].reverse().find((e) => e.to === 'rejected')?.actor
          if (rejectedBy === actorName(input.actor)) {
            throw new WardenError(
              'forbidden',
              'An appeal is decided by another reviewer than the one who rejected the application.',
            )
          }
        }
        const tier =
          input.decision === 'approve' || input.decision === 'approve_with_conditions'
            ? grantableTier(await deps.policy(), input.tier)
            : undefined
        if (input.decision === 'approve_with_conditions' && !input.conditions?.trim()) {
          throw new WardenError(
            'invalid_request_error',
            'conditions are needed for this decision',
            {
              param: 'conditions',
            },
          )
        }
        const to: ReviewState = {
          approve: 'approved',
          approve_with_conditions: 'approved_with_conditions',
          reject: 'rejected',
          request_changes: 'needs_changes',
        }[input.decision] as ReviewState
        return transition(current, to, {
          actor: input.actor,
          action: input.decision,
          reason: input.reason,
          clauses: input.clauses,
          set: {
            ...(tier ? { tier } : {}),
            ...(input.decision === 'approve_with_conditions'
              ? { conditions: input.conditions ?? null }
              : {}),
          },
        })
      })
    },

    /** The applicant's one appeal of a rejection. */
    appeal(id: string, reason: string, actor: ReviewActor): Promise<UseCaseApplication> {
      return act(id, 'appeal', actor, (current) => {
        if (current.appealed) {
          throw new WardenError('conflict', 'This application was appealed once already.')
        }
        return transition(current, 'appealed', {
          actor,
          action: 'appeal',
          reason,
          clauses: [],
          set: { appealed: 1 },
        })
      })
    },

    /** Suspends, reinstates or revokes an approved application. */
    setStanding(
      id: string,
      action: 'suspend' | 'reinstate' | 'revoke',
      input: {
        readonly reason: string
        readonly clauses: readonly string[]
        readonly actor: ReviewActor
      },
    ): Promise<UseCaseApplication> {
      return act(id, action, input.actor, async (current) => {
        await checkClauses(input.clauses)
        const to: ReviewState =
          action === 'suspend'
            ? 'suspended'
            : action === 'revoke'
              ? 'revoked'
              : current.conditions
                ? 'approved_with_conditions'
                : 'approved'
        return transition(current, to, {
          actor: input.actor,
          action,
          reason: input.reason,
          clauses: input.clauses,
        })
      })
    },

    /** One application, if the actor may see it. */
    get: (id: string, actor: ReviewActor) => visible(id, actor),

    /** Applications, newest first: one organization's, or by state for reviewers. */
    async list(filter: { readonly orgId?: string; readonly state?: ReviewState } = {}) {
      let query = db
        .selectFrom('use_case_application')
        .select('id')
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(500)
      if (filter.orgId !== undefined) query = query.where('org_id', '=', filter.orgId)
      if (filter.state !== undefined) query = query.where('state', '=', filter.state)
      const ids = await query.execute()
      const out: UseCaseApplication[] = []
      for (const { id } of ids) {
        const found = await load(id)
        if (found) out.push(found)
      }
      return out
    },
  }
}

/** The use-case application operations. */
export type UseCaseApplications = ReturnType<typeof createUseCaseApplications>
