import type { Generated } from 'kysely'

/** Row types of every table, as Kysely sees them. Times are Unix milliseconds. */
export interface Database {
  organization: OrganizationTable
  application: ApplicationTable
  api_key: ApiKeyTable
  admin_user: AdminUserTable
  admin_session: AdminSessionTable
  usage_event: UsageEventTable
  content_finding: ContentFindingTable
  content_text: ContentTextTable
  audit_entry: AuditEntryTable
  audit_head: AuditHeadTable
  policy_version: PolicyVersionTable
  policy_acceptance: PolicyAcceptanceTable
  use_case_application: UseCaseApplicationTable
  application_event: ApplicationEventTable
  webhook_endpoint: WebhookEndpointTable
  webhook_delivery: WebhookDeliveryTable
  monitor_lease: MonitorLeaseTable
  incident: IncidentTable
  incident_note: IncidentNoteTable
  mitigation: MitigationTable
}

export interface OrganizationTable {
  id: string
  name: string
  created_at: number
  /** JSON `{limits, models}` an operator set (see `LimitOverrides`); null for none. */
  limits: Generated<string | null>
}

export interface ApplicationTable {
  id: string
  org_id: string
  name: string
  created_at: number
  /** A tier id of the usage policy; null means the current policy's default tier. */
  tier: string | null
  /** `active`, `suspended` or `revoked`: whether the application's keys may be used at all. */
  status: Generated<string>
  /** JSON `{limits, models}` an operator set (see `LimitOverrides`); null for none. */
  limits: Generated<string | null>
}

export interface ApiKeyTable {
  id: string
  app_id: string
  org_id: string
  name: string | null
  /** The first characters of the key, safe to show (`wdn_AbCd…`). */
  prefix: string
  /** SHA-256 of the whole key, hex. The key itself is never stored. */
  hash: string
  /** JSON array of public model ids, or null for every model. */
  allowed_models: string | null
  expires_at: number | null
  revoked_at: number | null
  /** Set while monitoring (or an admin) has the key suspended; lifting clears it. */
  suspended_at: Generated<number | null>
  created_at: number
  /** JSON `{limits, models}` an operator set (see `LimitOverrides`); null for none. */
  limits: Generated<string | null>
}

export interface AdminUserTable {
  id: string
  username: string
  password_hash: string | null
  role: string
  created_at: number
  /** The organization of a member (owner, developer); null for staff (admin, reviewer). */
  org_id: Generated<string | null>
}

export interface AdminSessionTable {
  /** SHA-256 of the session token. */
  id: string
  user_id: string
  /** `session` for a login session, `bootstrap` for the one-time first-start token. */
  kind: string
  created_at: number
  expires_at: number
}

export interface UsageEventTable {
  request_id: string
  at: number
  endpoint: string
  key_id: string | null
  app_id: string | null
  org_id: string | null
  model: string | null
  stream: number
  prompt_tokens: number
  completion_tokens: number
  tokens_source: string
  gateway_ms: number
  upstream_ms: number
  status: number
  outcome: string
  error_code: string | null
  clause: string | null
  /** The client address as limits count it (IPv6 folded to its /64); see migration 007. */
  client_source: string | null
  /** The client's `User-Agent`, cut to 128 characters. */
  user_agent: string | null
  /** The application's tier then, and 1 when it was the policy's default (sandbox) tier. */
  tier: string | null
  sandbox: number
  /** The strongest content-filter action: `none`, `flag`, `redact` or `block`. */
  content_action: string
  /** The same, of the findings of harm only (not personal data or credentials); migration 009. */
  harm_action: string
  /** 1 when a prompt-injection finding reached its threshold. */
  injection: number
  /** 64-bit SimHashes, 16 hex digits, of the newest prompt text and of the answer. */
  prompt_signature: string | null
  completion_signature: string | null
}

export interface ContentFindingTable {
  request_id: string
  at: number
  endpoint: string
  key_id: string | null
  app_id: string | null
  org_id: string | null
  direction: string
  category: string
  label: string | null
  score: number
  action: string
  clause: string | null
  classifier: string
  text_index: number | null
  span_start: number | null
  span_end: number | null
}

/** A text kept under the policy's retention, or only its hash; see migration 006. */
export interface ContentTextTable {
  request_id: string
  direction: string
  /** The text's place among the request's texts in its direction, as `content_finding` counts. */
  text_index: number
  at: number
  expires_at: number
  endpoint: string
  key_id: string | null
  app_id: string | null
  org_id: string | null
  /** `text` (the text is kept) or `hash` (only its SHA-256). */
  kind: string
  /** The text as judged, secrets and card numbers replaced; null for a `hash` row. */
  text: string | null
  /** 1 when `text` has placeholders where the request had values. */
  redacted: Generated<number>
  /** SHA-256 of the text as judged (of the redacted form when redacted), hex. */
  sha256: string
}

export interface AuditEntryTable {
  seq: number
  at: number
  actor: string
  action: string
  target: string | null
  /** Canonical JSON of the details. */
  details: string
  prev_hash: string
  hash: string
}

export interface AuditHeadTable {
  id: number
  seq: number
  hash: string
}

export interface PolicyVersionTable {
  version: number
  /** SHA-256 of `source`, hex. */
  hash: string
  /** The YAML as published; the document is parsed from it. */
  source: string
  published_at: number
  published_by: string
  /** 1 when organizations must accept this version again to keep production access. */
  requires_reacceptance: number
  grace_days: number
  changelog: string | null
}

export interface PolicyAcceptanceTable {
  org_id: string
  version: number
  accepted_at: number
  /** Who accepted: `admin:<user id>`, `member:<user id>` or `cli`. */
  accepted_by: string
}

export interface UseCaseApplicationTable {
  id: string
  org_id: string
  /** The API application whose tier and status a decision sets. */
  app_id: string
  state: string
  revision: number
  /** The form as JSON, snake_case. */
  form: string
  prescreen: string | null
  /** The tier an approval grants. */
  tier: string | null
  conditions: string | null
  /** 1 once the applicant has used their one appeal. */
  appealed: number
  created_by: string
  created_at: number
  updated_at: number
}

export interface ApplicationEventTable {
  id: string
  application_id: string
  revision: number
  at: number
  actor: string
  from_state: string
  to_state: string
  reason: string | null
  /** JSON array of clause ids. */
  clauses: string
}

export interface WebhookEndpointTable {
  org_id: string
  url: string
  /** `whsec_…`: the Standard Webhooks signing secret. */
  secret: string
  created_at: number
}

export interface WebhookDeliveryTable {
  /** `msg_…`, sent as `webhook-id`: the receiver's idempotency key. */
  id: string
  org_id: string
  event_type: string
  /** The JSON body, exactly as signed and sent. */
  payload: string
  created_at: number
  attempts: number
  next_attempt_at: number
  /** A replica that claimed the row owns it until then. */
  locked_until: number
  delivered_at: number | null
  /** Set when the attempts ran out. */
  failed_at: number | null
  last_error: string | null
  /** An operator channel (`monitoring.channels`) for incident notifications; null for an org's. */
  channel: Generated<string | null>
}

/** A background consumer's turn: who holds it until when, and its position; see migration 007. */
export interface MonitorLeaseTable {
  name: string
  holder: string
  expires_at: number
  cursor: string
  updated_at: number
}

/** An incident a detector raised; see migration 008. */
export interface IncidentTable {
  id: string
  detector: string
  subject_kind: string
  subject_id: string
  org_id: string | null
  app_id: string | null
  key_id: string | null
  severity: string
  status: string
  summary: string
  /** JSON: counts, windows, sample request ids. */
  evidence: string
  occurrences: number
  /** `detector/kind/id` while not closed; null once closed. Unique. */
  open_key: string | null
  owner: string | null
  first_seen_at: number
  last_seen_at: number
  created_at: number
  updated_at: number
  acknowledged_at: number | null
  mitigated_at: number | null
  closed_at: number | null
  revision: number
}

export interface IncidentNoteTable {
  id: string
  incident_id: string
  at: number
  author: string
  text: string
}

/** One action taken on an incident's subject, and how to undo it. */
export interface MitigationTable {
  id: string
  incident_id: string
  /** `notify`, `throttle`, `suspend_key` or `suspend_app`. */
  kind: string
  /** `key`, `app` or `operator` (a notification). */
  level: string
  target_id: string
  severity: string
  /** `pending`, `applied`, `failed`, `lifted`, `expired` or `skipped`. */
  state: string
  /** JSON: what the action was asked to do (limits and minutes, channels). */
  params: string
  /** JSON: what it replaced, so lifting restores it. */
  previous: string | null
  actor: string
  created_at: number
  applied_at: number | null
  expires_at: number | null
  lifted_at: number | null
  lifted_by: string | null
  error: string | null
}
