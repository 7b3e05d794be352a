import { randomBytes } from 'node:crypto'
import type { Kysely, Selectable } from 'kysely'
import { WardenError, type AuditInput, type AuditSink } from '../domain/index.js'
import type { Database, IncidentTable } from '../store/index.js'
import {
  SEVERITIES,
  type Evidence,
  type IncidentCandidate,
  type Severity,
  type SubjectKind,
} from './detectors/index.js'

export const INCIDENT_STATUSES = ['open', 'acknowledged', 'mitigated', 'closed'] as const
/** Where an incident stands: open → acknowledged → mitigated → closed. */
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number]

/** A note a person left on an incident. */
export interface IncidentNote {
  readonly id: string
  readonly at: number
  readonly author: string
  readonly text: string
}

/** An incident as the admin API and the CLI show it. */
export interface Incident {
  readonly id: string
  readonly detector: string
  readonly subject: { readonly kind: SubjectKind; readonly id: string }
  readonly orgId: string | null
  readonly appId: string | null
  readonly keyId: string | null
  readonly severity: Severity
  readonly status: IncidentStatus
  readonly summary: string
  readonly evidence: Evidence
  /** How many times the detector raised it while it was open. */
  readonly occurrences: number
  readonly owner: string | null
  readonly firstSeenAt: number
  readonly lastSeenAt: number
  readonly createdAt: number
  readonly updatedAt: number
  readonly acknowledgedAt: number | null
  readonly mitigatedAt: number | null
  readonly closedAt: number | null
}

/** Which incidents a list shows. */
export interface IncidentFilter {
  readonly status?: IncidentStatus
  readonly detector?: string
  readonly severity?: Severity
  readonly subjectKind?: SubjectKind
  readonly subjectId?: string
  /** Only incidents about this organization, application or key. */
  readonly orgId?: string
  /** Newest first; at most this many (1-500, default 100). */
  readonly limit?: number
}

/** What recording a candidate did. */
export interface Recorded {
  readonly incident: Incident
  /** A new incident, not a repeat of an open one. */
  readonly created: boolean
  /** The severity it had before, when the candidate raised it; null otherwise. */
  readonly escalatedFrom: Severity | null
}

const RANK: Readonly<Record<Severity, number>> = { low: 0, medium: 1, high: 2, critical: 3 }

/** The later of two severities. */
export function higherSeverity(a: Severity, b: Severity): Severity {
  return RANK[a] >= RANK[b] ? a : b
}

const oneOf = <T extends string>(values: readonly T[], value: string, otherwise: T): T =>
  (values as readonly string[]).includes(value) ? (value as T) : otherwise

/** A stored incident row as the incident. */
export function toIncidentOfRow(row: Selectable<IncidentTable>): Incident {
  return {
    id: row.id,
    detector: row.detector,
    subject: {
      kind: oneOf<SubjectKind>(['key', 'app', 'cluster'], row.subject_kind, 'key'),
      id: row.subject_id,
    },
    orgId: row.org_id,
    appId: row.app_id,
    keyId: row.key_id,
    severity: oneOf(SEVERITIES, row.severity, 'high'),
    status: oneOf(INCIDENT_STATUSES, row.status, 'open'),
    summary: row.summary,
    evidence: JSON.parse(row.evidence) as Evidence,
    occurrences: row.occurrences,
    owner: row.owner,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    acknowledgedAt: row.acknowledged_at,
    mitigatedAt: row.mitigated_at,
    closedAt: row.closed_at,
  }
}

/** The key that keeps one open incident per detector and subject. */
const openKeyOf = (c: Pick<IncidentCandidate, 'detector' | 'subject'>) =>
  `${c.detector}/${c.subject.kind}/${c.subject.id}`

const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString('base64url')}`

const MAX_NOTE = 4000

/** The actions a person takes on an incident, and the statuses each leaves from. */
const MOVES = {
  acknowledge: { from: ['open'], to: 'acknowledged' },
  mitigate: { from: ['open', 'acknowledged'], to: 'mitigated' },
  close: { from: ['open', 'acknowledged', 'mitigated'], to: 'closed' },
} as const satisfies Record<
  string,
  { readonly from: readonly IncidentStatus[]; readonly to: IncidentStatus }
>
/** Something a person does to an incident's status. */
export type IncidentMove = keyof typeof MOVES

export interface IncidentDeps {
  readonly db: Kysely<Database>
  readonly audit: AuditSink
  readonly now: () => number
}

/**
 * Incidents: raised by detectors (one open incident per detector and subject; a repeat updates
 * its evidence and count, and may raise its severity), moved by people, every move audited.
 */
export function createIncidents(deps: IncidentDeps) {
  const { db, audit, now } = deps

  async function load(id: string, on: Kysely<Database> = db): Promise<Incident> {
    const row = await on.selectFrom('incident').selectAll().where('id', '=', id).executeTakeFirst()
    if (!row) throw new WardenError('not_found', `No incident "${id}".`, { param: 'id' })
    return toIncidentOfRow(row)
  }

  return {
    get: (id: string) => load(id),

    /**
     * Records what a detector yielded, in the caller's transaction: a new incident, or the open
     * one of the same detector and subject with the newest evidence, one more occurrence and the
     * higher of the two severities. The caller audits it once the transaction commits
     * ({@link auditOfRecorded}).
     */
    async record(trx: Kysely<Database>, candidate: IncidentCandidate): Promise<Recorded> {
      const openKey = openKeyOf(candidate)
      const at = now()
      const evidence = JSON.stringify(candidate.evidence)
      const open = await trx
        .selectFrom('incident')
        .selectAll()
        .where('open_key', '=', openKey)
        .executeTakeFirst()
      if (open) {
        const before = oneOf(SEVERITIES, open.severity, 'high')
        const severity = higherSeverity(before, candidate.severity)
        await trx
          .updateTable('incident')
          .set({
            severity,
            summary: candidate.summary,
            evidence,
            occurrences: open.occurrences + 1,
            last_seen_at: candidate.at,
            updated_at: at,
            revision: open.revision + 1,
          })
          .where('id', '=', open.id)
          .execute()
        const escalatedFrom = severity === before ? null : before
        return { incident: await load(open.id, trx), created: false, escalatedFrom }
      }
      const id = newId('inc')
      await trx
        .insertInto('incident')
        .values({
          id,
          detector: candidate.detector,
          subject_kind: candidate.subject.kind,
          subject_id: candidate.subject.id,
          org_id: candidate.orgId,
          app_id: candidate.appId,
          key_id: candidate.keyId,
          severity: candidate.severity,
          status: 'open',
          summary: candidate.summary,
          evidence,
          occurrences: 1,
          open_key: openKey,
          owner: null,
          first_seen_at: candidate.at,
          last_seen_at: candidate.at,
          created_at: at,
          updated_at: at,
          acknowledged_at: null,
          mitigated_at: null,
          closed_at: null,
          revision: 0,
        })
        .execute()
      return { incident: await load(id, trx), created: true, escalatedFrom: null }
    },

    /** Incidents matching `filter`, newest first. */
    async list(filter: IncidentFilter = {}): Promise<Incident[]> {
      let query = db
        .selectFrom('incident')
        .selectAll()
        .orderBy('updated_at', 'desc')
        .orderBy('id', 'desc')
        .limit(Math.min(Math.max(Math.trunc(filter.limit ?? 100), 1), 500))
      if (filter.status !== undefined) query = query.where('status', '=', filter.status)
      if (filter.detector !== undefined) query = query.where('detector', '=', filter.detector)
      if (filter.severity !== undefined) query = query.where('severity', '=', filter.severity)
      if (filter.subjectKind !== undefined)
        query = query.where('subject_kind', '=', filter.subjectKind)
      if (filter.subjectId !== undefined) query = query.where('subject_id', '=', filter.subjectId)
      if (filter.orgId !== undefined) query = query.where('org_id', '=', filter.orgId)
      return (await query.execute()).map(toIncidentOfRow)
    },

    /**
     * Acknowledges, marks mitigated or closes an incident; an acknowledgement without an owner
     * makes the actor its owner. Closing frees its detector and subject for a new incident.
     * A move the status does not allow is a 409. Audited, with the note when one is given.
     */
    async move(
      id: string,
      move: IncidentMove,
      input: { readonly actor: string; readonly note?: string; readonly owner?: string },
    ): Promise<Incident> {
      const current = await load(id)
      const rule = MOVES[move]
      if (!(rule.from as readonly IncidentStatus[]).includes(current.status)) {
        throw new WardenError(
          'conflict',
          `An incident that is ${current.status} cannot be ${move === 'mitigate' ? 'marked mitigated' : `${move}d`}.`,
        )
      }
      const at = now()
      const owner = input.owner ?? (move === 'acknowledge' ? (current.owner ?? input.actor) : null)
      const updated = await db
        .updateTable('incident')
        .set({
          status: rule.to,
          updated_at: at,
          ...(owner === null ? {} : { owner }),
          ...(move === 'acknowledge' ? { acknowledged_at: at } : {}),
          ...(move === 'mitigate' ? { mitigated_at: at } : {}),
          ...(move === 'close' ? { closed_at: at, open_key: null } : {}),
        })
        .where('id', '=', id)
        .where('status', '=', current.status)
        .executeTakeFirst()
      if (updated.numUpdatedRows !== 1n) {
        throw new WardenError('conflict', 'The incident changed meanwhile; reload it and retry.')
      }
      if (input.note !== undefined) await addNote(id, input.actor, input.note)
      await audit.appendNow({
        actor: input.actor,
        action: `incident.${move}`,
        target: id,
        details: { from: current.status, to: rule.to, ...(owner === null ? {} : { owner }) },
      })
      return load(id)
    },

    /** Sets who owns the incident; audited. */
    async assign(id: string, owner: string, actor: string): Promise<Incident> {
      await load(id)
      await db
        .updateTable('incident')
        .set({ owner, updated_at: now() })
        .where('id', '=', id)
        .execute()
      await audit.appendNow({ actor, action: 'incident.assign', target: id, details: { owner } })
      return load(id)
    },

    /** Marks an open or acknowledged incident mitigated (an automatic action was applied). */
    async markMitigated(trx: Kysely<Database>, id: string): Promise<void> {
      const at = now()
      await trx
        .updateTable('incident')
        .set({ status: 'mitigated', mitigated_at: at, updated_at: at })
        .where('id', '=', id)
        .where('status', 'in', ['open', 'acknowledged'])
        .execute()
    },

    addNote: async (id: string, author: string, text: string): Promise<IncidentNote> => {
      await load(id)
      return addNote(id, author, text)
    },

    /** The notes of an incident, oldest first. */
    async notes(id: string): Promise<IncidentNote[]> {
      const rows = await db
        .selectFrom('incident_note')
        .selectAll()
        .where('incident_id', '=', id)
        .orderBy('at')
        .orderBy('id')
        .execute()
      return rows.map((r) => ({ id: r.id, at: r.at, author: r.author, text: r.text }))
    },
  }

  async function addNote(id: string, author: string, text: string): Promise<IncidentNote> {
    const trimmed = text.trim()
    if (trimmed.length === 0 || trimmed.length > MAX_NOTE) {
      throw new WardenError('invalid_request_error', `a note is 1-${MAX_NOTE} characters`, {
        param: 'note',
      })
    }
    const note = { id: newId('note'), at: now(), author, text: trimmed }
    await db
      .insertInto('incident_note')
      .values({ id: note.id, incident_id: id, at: note.at, author, text: trimmed })
      .execute()
    await audit.appendNow({
      actor: author,
      action: 'incident.note',
      target: id,
      details: { note_id: note.id },
    })
    return note
  }
}

/** The audit entry of a recorded candidate, if it opened or escalated an incident. */
export function auditOfRecorded(recorded: Recorded): AuditInput | null {
  const { incident } = recorded
  if (recorded.created) {
    return {
      actor: 'system:monitor',
      action: 'incident.open',
      target: incident.id,
      details: {
        detector: incident.detector,
        subject: `${incident.subject.kind}:${incident.subject.id}`,
        severity: incident.severity,
      },
    }
  }
  if (recorded.escalatedFrom === null) return null
  return {
    actor: 'system:monitor',
    action: 'incident.escalate',
    target: incident.id,
    details: { detector: incident.detector, from: recorded.escalatedFrom, to: incident.severity },
  }
}

/** The incident operations. */
export type Incidents = ReturnType<typeof createIncidents>
