import { randomBytes } from 'node:crypto'
import type { Kysely, Selectable } from 'kysely'
import {
  MITIGATION_KINDS,
  WardenError,
  type AuditSink,
  type LimitOverrides,
  type MitigationActions,
  type MitigationKind,
} from '../domain/index.js'
import type { MonitoringPolicy } from '../policy/index.js'
import type { Database, MitigationTable } from '../store/index.js'
import type { Severity } from './detectors/index.js'
import { toIncidentOfRow, type Incident } from './incidents.js'

export const MITIGATION_STATES = [
  'pending',
  'applied',
  'failed',
  'lifted',
  'expired',
  'skipped',
] as const
/** Where a mitigation stands: planned, applied (or failed, or not applicable), then undone. */
export type MitigationState = (typeof MITIGATION_STATES)[number]

/** One action taken (or to be taken) about an incident, and how to undo it. */
export interface Mitigation {
  readonly id: string
  readonly incidentId: string
  readonly kind: MitigationKind
  /** `key`, `app`, or `operator` for a notification. */
  readonly level: 'key' | 'app' | 'operator'
  /** The key, the application, or the notification channel. */
  readonly targetId: string
  readonly severity: Severity
  readonly state: MitigationState
  readonly params: Readonly<Record<string, unknown>>
  readonly actor: string
  readonly createdAt: number
  readonly appliedAt: number | null
  /** When a throttle ends by itself. */
  readonly expiresAt: number | null
  readonly liftedAt: number | null
  readonly liftedBy: string | null
  /** Why it failed or was skipped, or what lifting found. */
  readonly error: string | null
}

const oneOf = <T extends string>(values: readonly T[], value: string, otherwise: T): T =>
  (values as readonly string[]).includes(value) ? (value as T) : otherwise

function toMitigation(row: Selectable<MitigationTable>): Mitigation {
  return {
    id: row.id,
    incidentId: row.incident_id,
    kind: oneOf(MITIGATION_KINDS, row.kind, 'notify'),
    level: oneOf(['key', 'app', 'operator'] as const, row.level, 'operator'),
    targetId: row.target_id,
    severity: oneOf(['low', 'medium', 'high', 'critical'] as const, row.severity, 'high'),
    state: oneOf(MITIGATION_STATES, row.state, 'failed'),
    params: JSON.parse(row.params) as Record<string, unknown>,
    actor: row.actor,
    createdAt: row.created_at,
    appliedAt: row.applied_at,
    expiresAt: row.expires_at,
    liftedAt: row.lifted_at,
    liftedBy: row.lifted_by,
    error: row.error,
  }
}

const ACTOR = 'system:monitor'
const MINUTE_MS = 60_000

/** Canonical JSON of limit overrides, to tell whether they are still what a throttle set. */
function sameLimits(a: unknown, b: unknown): boolean {
  const canonical = (value: unknown): string =>
    value === null || typeof value !== 'object'
      ? JSON.stringify(value ?? null)
      : `{${Object.keys(value)
          .sort()
          .map((k) => `${k}:${canonical((value as Record<string, unknown>)[k])}`)
          .join(',')}}`
  return canonical(a) === canonical(b)
}

export interface MitigationDeps {
  readonly db: Kysely<Database>
  readonly audit: AuditSink
  readonly now: () => number
  readonly actions: MitigationActions
  /** The current policy's `monitoring` section. */
  readonly policy: () => MonitoringPolicy
  /** The configured notification channels' ids. */
  readonly channels: readonly string[]
  /** Marks an incident mitigated once an action on its subject is applied. */
  readonly markMitigated: (trx: Kysely<Database>, incidentId: string) => Promise<void>
}

/**
 * Mitigations: what the policy's `monitoring.actions` set off for a detector and severity,
 * planned in the transaction that records the incident, applied right after (and by any later
 * holder of the feed, should this one stop first), each audited and reversible by an admin.
 */
export function createMitigations(deps: MitigationDeps) {
  const { db, audit, now, actions } = deps

  /** What `kind` acts on for `incident`: its level and target, or why it cannot. */
  function targetOf(
    kind: MitigationKind,
    incident: Incident,
  ): Array<{ level: Mitigation['level']; target: string }> | string {
    switch (kind) {
      case 'notify':
        return deps.channels.length === 0
          ? 'no notification channel is configured (monitoring.channels)'
          : deps.channels.map((channel) => ({ level: 'operator' as const, target: channel }))
      case 'throttle':
        if (incident.subject.kind === 'key') return [{ level: 'key', target: incident.subject.id }]
        if (incident.subject.kind === 'app') return [{ level: 'app', target: incident.subject.id }]
        return 'a cluster of texts has no limits to tighten'
      case 'suspend_key':
        return incident.keyId === null
          ? 'the incident is not about one key'
          : [{ level: 'key', target: incident.keyId }]
      case 'suspend_app':
        return incident.appId === null
          ? 'the incident is not about one application'
          : [{ level: 'app', target: incident.appId }]
    }
  }

  async function insert(
    trx: Kysely<Database>,
    row: Pick<
      Selectable<MitigationTable>,
      'incident_id' | 'kind' | 'level' | 'target_id' | 'severity' | 'state' | 'params' | 'actor'
    > & { readonly error?: string },
  ): Promise<void> {
    await trx
      .insertInto('mitigation')
      .values({
        ...row,
        id: `mit_${randomBytes(12).toString('base64url')}`,
        created_at: now(),
        applied_at: null,
        expires_at: null,
        lifted_at: null,
        lifted_by: null,
        previous: null,
        error: row.error ?? null,
      })
      .execute()
  }

  /** Applies one pending mitigation; returns the state it reached. */
  async function apply(m: Mitigation, incident: Incident): Promise<void> {
    const context = {
      actor: ACTOR,
      reason: `${incident.detector}: ${incident.summary}`,
      incidentId: incident.id,
    }
    let previous: unknown = null
    let expiresAt: number | null = null
    let params = m.params
    switch (m.kind) {
      case 'notify':
        await actions.notify({
          id: `msg_${m.id.slice(4)}`,
          channel: m.targetId,
          type: m.params.escalated === true ? 'incident.escalated' : 'incident.opened',
          data: notification(incident),
          text: `[Warden] ${incident.severity} incident ${incident.id}: ${incident.detector} on ${incident.subject.kind} ${incident.subject.id}. ${incident.summary}`,
        })
        break
      case 'throttle': {
        const level = m.level === 'app' ? 'app' : 'key'
        const before = await actions.getLimits(level, m.targetId)
        const rpm = Number(m.params.requests_per_minute)
        const tpm = Number(m.params.tokens_per_minute)
        const tighter = (current: number | undefined, cap: number) =>
          current === undefined ? cap : Math.min(current, cap)
        const applied: LimitOverrides = {
          ...(before ?? {}),
          limits: {
            ...(before?.limits ?? {}),
            requests_per_minute: tighter(before?.limits?.requests_per_minute, rpm),
            tokens_per_minute: tighter(before?.limits?.tokens_per_minute, tpm),
          },
        }
        await actions.setLimits(level, m.targetId, applied, context)
        previous = before
        params = { ...m.params, applied }
        expiresAt = now() + Number(m.params.minutes) * MINUTE_MS
        break
      }
      case 'suspend_key':
        previous = { already: !(await actions.setKeySuspended(m.targetId, true, context)) }
        break
      case 'suspend_app':
        previous = { status: await actions.setAppStatus(m.targetId, 'suspended', context) }
        break
    }
    const at = now()
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('mitigation')
        .set({
          state: 'applied',
          applied_at: at,
          previous: JSON.stringify(previous),
          params: JSON.stringify(params),
          expires_at: expiresAt,
        })
        .where('id', '=', m.id)
        .where('state', '=', 'pending')
        .execute()
      if (m.kind !== 'notify') await deps.markMitigated(trx, m.incidentId)
    })
    await audit.appendNow({
      actor: ACTOR,
      action: 'mitigation.apply',
      target: m.id,
      details: {
        incident_id: m.incidentId,
        kind: m.kind,
        level: m.level,
        target_id: m.targetId,
        ...(expiresAt === null ? {} : { expires_at: expiresAt }),
      },
    })
  }

  /** Undoes an applied mitigation; returns what lifting found, when it left something as it was. */
  async function undo(m: Mitigation, actor: string, reason: string): Promise<string | null> {
    const context = { actor, reason, incidentId: m.incidentId }
    const row = await db
      .selectFrom('mitigation')
      .select('previous')
      .where('id', '=', m.id)
      .executeTakeFirst()
    const previous = JSON.parse(row?.previous ?? 'null') as Record<string, unknown> | null
    switch (m.kind) {
      case 'notify':
        throw new WardenError('conflict', 'A notification was sent; it cannot be taken back.')
      case 'throttle': {
        const level = m.level === 'app' ? 'app' : 'key'
        const current = await actions.getLimits(level, m.targetId)
        if (!sameLimits(current, m.params.applied ?? null)) {
          return 'the limits were changed since the throttle; they were left as they are'
        }
        await actions.setLimits(level, m.targetId, previous, context)
        return null
      }
      case 'suspend_key':
        if (previous?.already === true) return 'the key was suspended before; it stays suspended'
        await actions.setKeySuspended(m.targetId, false, context)
        return null
      case 'suspend_app':
        if (previous?.status !== 'active') {
          return `the application was ${String(previous?.status)} before; it stays so`
        }
        await actions.setAppStatus(m.targetId, 'active', context)
        return null
    }
  }

  async function lift(
    id: string,
    input: { readonly actor: string; readonly reason: string },
    to: 'lifted' | 'expired' = 'lifted',
  ): Promise<Mitigation> {
    const row = await db
      .selectFrom('mitigation')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    if (!row) throw new WardenError('not_found', `No mitigation "${id}".`, { param: 'id' })
    const m = toMitigation(row)
    if (m.state !== 'applied') {
      throw new WardenError('conflict', `A mitigation that is ${m.state} cannot be lifted.`)
    }
    const found = await undo(m, input.actor, input.reason)
    const at = now()
    await db
      .updateTable('mitigation')
      .set({ state: to, lifted_at: at, lifted_by: input.actor, error: found })
      .where('id', '=', id)
      .where('state', '=', 'applied')
      .execute()
    await audit.appendNow({
      actor: input.actor,
      action: to === 'lifted' ? 'mitigation.lift' : 'mitigation.expire',
      target: id,
      details: {
        incident_id: m.incidentId,
        kind: m.kind,
        target_id: m.targetId,
        reason: input.reason,
        ...(found === null ? {} : { found }),
      },
    })
    const after = await db
      .selectFrom('mitigation')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    return toMitigation(after)
  }

  return {
    /**
     * Plans, in the incident's transaction, what the policy sets off for its detector at
     * `severity`: each action once per incident and target (a notification once per severity),
     * as pending rows; actions that cannot apply to the subject are recorded as skipped.
     */
    async plan(trx: Kysely<Database>, incident: Incident, escalated: boolean): Promise<number> {
      const policy = deps.policy()
      const kinds = policy.actions[incident.detector]?.[incident.severity] ?? []
      if (kinds.length === 0) return 0
      const existing = await trx
        .selectFrom('mitigation')
        .select(['kind', 'target_id', 'severity'])
        .where('incident_id', '=', incident.id)
        .execute()
      // Each action once per incident and target (a notification once per severity); one
      // that cannot apply is recorded once.
      const keyOf = (kind: string, target: string, severity: string) =>
        target === '-'
          ? `${kind}/-`
          : kind === 'notify'
            ? `${kind}/${target}/${severity}`
            : `${kind}/${target}`
      const done = new Set(existing.map((r) => keyOf(r.kind, r.target_id, r.severity)))
      let planned = 0
      for (const kind of kinds) {
        const targets = targetOf(kind, incident)
        const params =
          kind === 'throttle' ? { ...policy.throttle } : kind === 'notify' ? { escalated } : {}
        if (typeof targets === 'string') {
          if (done.has(`${kind}/-`)) continue
          await insert(trx, {
            incident_id: incident.id,
            kind,
            level: 'operator',
            target_id: '-',
            severity: incident.severity,
            state: 'skipped',
            params: JSON.stringify(params),
            actor: ACTOR,
            error: targets,
          })
          done.add(`${kind}/-`)
          continue
        }
        for (const { level, target } of targets) {
          const key = keyOf(kind, target, incident.severity)
          if (done.has(key)) continue
          done.add(key)
          await insert(trx, {
            incident_id: incident.id,
            kind,
            level,
            target_id: target,
            severity: incident.severity,
            state: 'pending',
            params: JSON.stringify(params),
            actor: ACTOR,
          })
          planned += 1
        }
      }
      return planned
    },

    /** Applies pending mitigations, oldest first; a failure is recorded on its row. */
    async applyPending(limit = 100): Promise<number> {
      const rows = await db
        .selectFrom('mitigation')
        .selectAll()
        .where('state', '=', 'pending')
        .orderBy('created_at')
        .limit(limit)
        .execute()
      for (const row of rows) {
        const m = toMitigation(row)
        const incidentRow = await db
          .selectFrom('incident')
          .selectAll()
          .where('id', '=', m.incidentId)
          .executeTakeFirst()
        try {
          if (!incidentRow) throw new Error('the incident is gone')
          await apply(m, toIncidentOfRow(incidentRow))
        } catch (error) {
          await db
            .updateTable('mitigation')
            .set({
              state: 'failed',
              error: (error instanceof Error ? error.message : String(error)).slice(0, 500),
            })
            .where('id', '=', m.id)
            .where('state', '=', 'pending')
            .execute()
          await audit.appendNow({
            actor: ACTOR,
            action: 'mitigation.fail',
            target: m.id,
            details: { incident_id: m.incidentId, kind: m.kind, target_id: m.targetId },
          })
        }
      }
      return rows.length
    },

    /** Lifts throttles whose time is up; returns how many. */
    async expireDue(): Promise<number> {
      const due = await db
        .selectFrom('mitigation')
        .select('id')
        .where('state', '=', 'applied')
        .where('expires_at', '<=', now())
        .limit(100)
        .execute()
      for (const { id } of due) {
        await lift(id, { actor: ACTOR, reason: 'the throttle ran its time' }, 'expired')
      }
      return due.length
    },

    /** Undoes an applied mitigation (an admin's call); audited. Notifications cannot be. */
    lift: (id: string, input: { readonly actor: string; readonly reason: string }) =>
      lift(id, input),

    /** Lifts every applied mitigation of an incident (closing it with `lift`); returns them. */
    async liftAll(incidentId: string, input: { readonly actor: string; readonly reason: string }) {
      const rows = await db
        .selectFrom('mitigation')
        .select(['id', 'kind'])
        .where('incident_id', '=', incidentId)
        .where('state', '=', 'applied')
        .execute()
      const lifted: Mitigation[] = []
      for (const row of rows) {
        if (row.kind !== 'notify') lifted.push(await lift(row.id, input))
      }
      return lifted
    },

    /** The mitigations of an incident, oldest first. */
    async of(incidentId: string): Promise<Mitigation[]> {
      const rows = await db
        .selectFrom('mitigation')
        .selectAll()
        .where('incident_id', '=', incidentId)
        .orderBy('created_at')
        .orderBy('id')
        .execute()
      return rows.map(toMitigation)
    },
  }
}

/** What a notification tells about an incident: never a text of a request. */
function notification(incident: Incident) {
  return {
    id: incident.id,
    detector: incident.detector,
    subject: incident.subject,
    org_id: incident.orgId,
    app_id: incident.appId,
    key_id: incident.keyId,
    severity: incident.severity,
    status: incident.status,
    summary: incident.summary,
    evidence: incident.evidence,
    url: `/api/admin/incidents/${incident.id}`,
  }
}

/** The mitigation operations. */
export type Mitigations = ReturnType<typeof createMitigations>
