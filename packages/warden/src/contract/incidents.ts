import { z } from 'zod'
import { toUnixSeconds } from './dto-mappers.js'

/** Request and response shapes of `/api/admin/incidents*` and `/api/admin/mitigations*`. */

const INCIDENT_STATUSES = ['open', 'acknowledged', 'mitigated', 'closed'] as const
const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const
const SUBJECT_KINDS = ['key', 'app', 'cluster'] as const

/** `GET /api/admin/incidents`: every filter optional; newest first. */
export const incidentListQuerySchema = z.strictObject({
  status: z.enum(INCIDENT_STATUSES).optional(),
  detector: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,47}$/)
    .optional(),
  severity: z.enum(SEVERITIES).optional(),
  subject_kind: z.enum(SUBJECT_KINDS).optional(),
  subject_id: z.string().min(1).max(200).optional(),
  /** An organization's name or id: its incidents only. */
  org: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
})
export type IncidentListQuery = z.infer<typeof incidentListQuerySchema>

const note = z.string().trim().min(1).max(4000)

/** `POST /api/admin/incidents/:id/{acknowledge,mitigate,close}`. */
export const incidentMoveRequestSchema = z.strictObject({
  /** Left on the incident as a note, in the same call. */
  note: note.optional(),
  /** Who owns it from now on (an acknowledgement without one makes the caller its owner). */
  owner: z.string().trim().min(1).max(200).optional(),
  /** Closing only: lift every mitigation still applied (suspensions, throttles) as well. */
  lift: z.boolean().default(false),
})
export type IncidentMoveRequest = z.infer<typeof incidentMoveRequestSchema>

/** `POST /api/admin/incidents/:id/notes`. */
export const incidentNoteRequestSchema = z.strictObject({ text: note })

/** `POST /api/admin/mitigations/:id/lift`: the reason goes to the audit log. */
export const liftMitigationRequestSchema = z.strictObject({
  reason: z.string().trim().min(1).max(2000),
})

/** `GET /api/admin/usage/daily`: usage per application, day (UTC) and model. */
export const dailyUsageQuerySchema = z.strictObject({
  /** An organization's name or id. */
  org: z.string().min(1).max(200),
  /** One application of it, by name or id. */
  app: z.string().min(1).max(200).optional(),
  /** First day, `YYYY-MM-DD` (UTC); default 30 days before `to`. */
  from: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional(),
  /** Last day, `YYYY-MM-DD` (UTC), included; default today. */
  to: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional(),
})
export type DailyUsageQuery = z.infer<typeof dailyUsageQuerySchema>

/** What an incident's evidence holds: counts, the window, sample request ids. */
export interface EvidenceDto {
  readonly counts: Readonly<Record<string, number>>
  /** Unix seconds. */
  readonly window: { readonly from: number; readonly to: number }
  readonly sample_request_ids: readonly string[]
  readonly details?: Readonly<Record<string, unknown>>
}

export interface IncidentDto {
  readonly id: string
  readonly detector: string
  readonly subject: { readonly kind: string; readonly id: string }
  readonly org_id: string | null
  readonly app_id: string | null
  readonly key_id: string | null
  readonly severity: string
  readonly status: string
  readonly summary: string
  readonly evidence: EvidenceDto
  readonly occurrences: number
  readonly owner: string | null
  /** Unix seconds, each. */
  readonly first_seen_at: number
  readonly last_seen_at: number
  readonly created_at: number
  readonly updated_at: number
  readonly acknowledged_at: number | null
  readonly mitigated_at: number | null
  readonly closed_at: number | null
}

export interface IncidentNoteDto {
  readonly id: string
  readonly at: number
  readonly author: string
  readonly text: string
}

export interface MitigationDto {
  readonly id: string
  readonly incident_id: string
  /** `notify`, `throttle`, `suspend_key` or `suspend_app`. */
  readonly kind: string
  readonly level: string
  readonly target_id: string
  readonly severity: string
  /** `pending`, `applied`, `failed`, `lifted`, `expired` or `skipped`. */
  readonly state: string
  readonly params: Readonly<Record<string, unknown>>
  readonly actor: string
  readonly created_at: number
  readonly applied_at: number | null
  readonly expires_at: number | null
  readonly lifted_at: number | null
  readonly lifted_by: string | null
  readonly error: string | null
}

/** One incident with its notes and mitigations: `GET /api/admin/incidents/:id`. */
export interface IncidentDetailDto extends IncidentDto {
  readonly notes: readonly IncidentNoteDto[]
  readonly mitigations: readonly MitigationDto[]
}

/** One line of `GET /api/admin/usage/daily`. */
export interface DailyUsageDto {
  readonly app_id: string
  /** `YYYY-MM-DD`, UTC. */
  readonly day: string
  readonly model: string | null
  readonly requests: number
  readonly ok: number
  readonly refused: number
  readonly errors: number
  readonly prompt_tokens: number
  readonly completion_tokens: number
  /** Requests the content filter blocked or flagged. */
  readonly blocked_or_flagged: number
}

/** The fields of an incident record its DTO shows (times in milliseconds). */
export interface IncidentRecord {
  readonly id: string
  readonly detector: string
  readonly subject: { readonly kind: string; readonly id: string }
  readonly orgId: string | null
  readonly appId: string | null
  readonly keyId: string | null
  readonly severity: string
  readonly status: string
  readonly summary: string
  readonly evidence: {
    readonly counts: Readonly<Record<string, number>>
    readonly window: { readonly from: number; readonly to: number }
    readonly sampleRequestIds: readonly string[]
    readonly details?: Readonly<Record<string, unknown>>
  }
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

/** The fields of a mitigation record its DTO shows (times in milliseconds). */
export interface MitigationRecord {
  readonly id: string
  readonly incidentId: string
  readonly kind: string
  readonly level: string
  readonly targetId: string
  readonly severity: string
  readonly state: string
  readonly params: Readonly<Record<string, unknown>>
  readonly actor: string
  readonly createdAt: number
  readonly appliedAt: number | null
  readonly expiresAt: number | null
  readonly liftedAt: number | null
  readonly liftedBy: string | null
  readonly error: string | null
}

/** An incident as the admin API and `warden incident --json` show it. */
export const toIncidentDto = (i: IncidentRecord): IncidentDto => ({
  id: i.id,
  detector: i.detector,
  subject: { kind: i.subject.kind, id: i.subject.id },
  org_id: i.orgId,
  app_id: i.appId,
  key_id: i.keyId,
  severity: i.severity,
  status: i.status,
  summary: i.summary,
  evidence: {
    counts: i.evidence.counts,
    window: {
      from: toUnixSeconds(i.evidence.window.from),
      to: toUnixSeconds(i.evidence.window.to),
    },
    sample_request_ids: i.evidence.sampleRequestIds,
    ...(i.evidence.details === undefined ? {} : { details: i.evidence.details }),
  },
  occurrences: i.occurrences,
  owner: i.owner,
  first_seen_at: toUnixSeconds(i.firstSeenAt),
  last_seen_at: toUnixSeconds(i.lastSeenAt),
  created_at: toUnixSeconds(i.createdAt),
  updated_at: toUnixSeconds(i.updatedAt),
  acknowledged_at: toUnixSeconds(i.acknowledgedAt),
  mitigated_at: toUnixSeconds(i.mitigatedAt),
  closed_at: toUnixSeconds(i.closedAt),
})

/** A mitigation as the admin API and `warden incident show --json` show it. */
export const toMitigationDto = (m: MitigationRecord): MitigationDto => ({
  id: m.id,
  incident_id: m.incidentId,
  kind: m.kind,
  level: m.level,
  target_id: m.targetId,
  severity: m.severity,
  state: m.state,
  params: m.params,
  actor: m.actor,
  created_at: toUnixSeconds(m.createdAt),
  applied_at: toUnixSeconds(m.appliedAt),
  expires_at: toUnixSeconds(m.expiresAt),
  lifted_at: toUnixSeconds(m.liftedAt),
  lifted_by: m.liftedBy,
  error: m.error,
})

/** A note as the admin API shows it. */
export const toIncidentNoteDto = (n: {
  readonly id: string
  readonly at: number
  readonly author: string
  readonly text: string
}): IncidentNoteDto => ({ id: n.id, at: toUnixSeconds(n.at), author: n.author, text: n.text })
