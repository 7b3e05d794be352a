import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_POLICY_FILE, parsePolicy } from '../policy/index.js'
import { sqliteKind } from '../testing/databases.js'
import { openStoreFixture, wardenErrorOf, type StoreFixture } from '../testing/store-fixture.js'
import { createOrganizations } from './organizations.js'
import type { PrescreenResult, ReviewActor, ReviewState } from './review-states.js'
import { createUseCaseApplications, type UseCaseApplications } from './use-case-applications.js'
import { createWebhooks } from './webhooks.js'

const policy = parsePolicy(readFileSync(DEFAULT_POLICY_FILE, 'utf8')).document

/**
 * Who may make each transition, from each state it leaves: every action tried by each kind of
 * actor. The pre-screen's outcome is chosen per application here, so each path can be reached.
 */
describe('who may move a use-case application', () => {
  let fx: StoreFixture
  let apps: UseCaseApplications
  let orgId: string
  let appId: string
  const outcomes = new Map<string, PrescreenResult['outcome']>()

  const owner: ReviewActor = { kind: 'member', userId: 'usr_owner', orgId: '', owner: true }
  const developer: ReviewActor = { kind: 'member', userId: 'usr_dev', orgId: '', owner: false }
  const outsider: ReviewActor = {
    kind: 'member',
    userId: 'usr_out',
    orgId: 'org_other',
    owner: true,
  }
  const reviewerA: ReviewActor = { kind: 'staff', userId: 'usr_rev_a' }
  const reviewerB: ReviewActor = { kind: 'staff', userId: 'usr_rev_b' }

  beforeAll(async () => {
    fx = await openStoreFixture(sqliteKind())
    const audit = fx.createAuditLog()
    const orgs = createOrganizations({
      db: fx.store.db,
      changes: fx.store.changes,
      audit,
      now: fx.clock.now,
      isUniqueViolation: (e) => fx.store.isUniqueViolation(e),
    })
    const org = await orgs.createOrganization('acme', 'test')
    orgId = org.id
    appId = (await orgs.createApplication(org.id, 'bot', 'test')).id
    Object.assign(owner, { orgId })
    Object.assign(developer, { orgId })
    apps = createUseCaseApplications({
      db: fx.store.db,
      audit,
      now: fx.clock.now,
      changes: fx.store.changes,
      policy: () => Promise.resolve(policy),
      prescreen: (form) => ({
        outcome: outcomes.get(form.description) ?? 'high_scrutiny',
        clauses: [],
      }),
      autoApproveLowRisk: true,
      webhooks: createWebhooks({
        db: fx.store.db,
        audit,
        now: fx.clock.now,
        allowHttp: false,
        allowPrivateNetworks: false,
      }),
    })
  })
  afterAll(() => fx.close())

  async function inState(state: ReviewState) {
    const description = `A use case that ends up ${state}, described at some length.`
    outcomes.set(
      description,
      state === 'auto_rejected'
        ? 'prohibited'
        : state === 'auto_approved'
          ? 'low_risk'
          : 'high_scrutiny',
    )
    const form = { description, domains: [], audience: [], samples: [] }
    const a = await apps.create({ orgId, appId, form, actor: developer })
    if (state === 'draft') return a.id
    await apps.submit(a.id, developer)
    const decide = (decision: 'approve' | 'reject' | 'request_changes', actor = reviewerA) =>
      apps.decide(a.id, { decision, reason: 'r', clauses: ['tier.production'], actor })
    if (state === 'needs_changes') await decide('request_changes')
    if (state === 'rejected' || state === 'appealed') await decide('reject')
    if (state === 'appealed') await apps.appeal(a.id, 'please', owner)
    if (state === 'approved' || state === 'suspended') await decide('approve')
    if (state === 'suspended') {
      await apps.setStanding(a.id, 'suspend', { reason: 'r', clauses: [], actor: reviewerA })
    }
    expect((await apps.get(a.id, reviewerA)).state).toBe(state)
    return a.id
  }

  type Try = (id: string, actor: ReviewActor) => Promise<unknown>
  const tries: Record<string, Try> = {
    submit: (id, actor) => apps.submit(id, actor),
    approve: (id, actor) =>
      apps.decide(id, { decision: 'approve', reason: 'r', clauses: ['tier.production'], actor }),
    request_changes: (id, actor) =>
      apps.decide(id, {
        decision: 'request_changes',
        reason: 'r',
        clauses: ['tier.production'],
        actor,
      }),
    appeal: (id, actor) => apps.appeal(id, 'please', actor),
    suspend: (id, actor) => apps.setStanding(id, 'suspend', { reason: 'r', clauses: [], actor }),
    reinstate: (id, actor) =>
      apps.setStanding(id, 'reinstate', { reason: 'r', clauses: [], actor }),
    revoke: (id, actor) => apps.setStanding(id, 'revoke', { reason: 'r', clauses: [], actor }),
  }

  // [action, state it leaves, actors allowed, actors refused with 403, refused with 404]
  const table: Array<[string, ReviewState, ReviewActor[], ReviewActor[], ReviewActor[]]> = [
    ['submit', 'draft', [developer], [reviewerA], [outsider]],
    ['submit', 'needs_changes', [owner], [reviewerA], [outsider]],
    ['approve', 'in_review', [reviewerA], [owner, developer], [outsider]],
    ['request_changes', 'in_review', [reviewerA], [owner, developer], [outsider]],
    ['approve', 'appealed', [reviewerB], [owner, developer, reviewerA], [outsider]],
    ['appeal', 'rejected', [owner], [developer, reviewerA], [outsider]],
    ['appeal', 'auto_rejected', [owner], [developer, reviewerA], [outsider]],
    ['suspend', 'approved', [reviewerA], [owner, developer], [outsider]],
    ['suspend', 'auto_approved', [reviewerA], [owner, developer], [outsider]],
    ['reinstate', 'suspended', [reviewerA], [owner, developer], [outsider]],
    ['revoke', 'suspended', [reviewerA], [owner, developer], [outsider]],
  ]

  for (const [action, state, allowed, refused, hidden] of table) {
    it(`${action} from ${state}: allowed to ${allowed.length}, refused to ${refused.length + hidden.length}`, async () => {
      const id = await inState(state)
      for (const actor of hidden) {
        expect(await wardenErrorOf(tries[action]!(id, actor))).toMatchObject({ status: 404 })
      }
      for (const actor of refused) {
        expect(await wardenErrorOf(tries[action]!(id, actor))).toMatchObject({ status: 403 })
      }
      expect((await apps.get(id, reviewerA)).state).toBe(state)
      for (const actor of allowed) await tries[action]!(id, actor)
      expect((await apps.get(id, reviewerA)).state).not.toBe(state)
    })
  }

  it('refuses every action from a state it does not leave, and changes nothing', async () => {
    const id = await inState('draft')
    for (const action of ['approve', 'appeal', 'suspend', 'reinstate', 'revoke']) {
      const actor = action === 'appeal' ? owner : reviewerA
      expect(await wardenErrorOf(tries[action]!(id, actor))).toMatchObject({ status: 409 })
    }
    expect((await apps.get(id, reviewerA)).history).toEqual([])
  })
})
