import type { StoredPrescreen, UseCaseApplicationDto, UseCaseForm } from './portal.js'
import type {
  ApiKeyDto,
  ApplicationDto,
  OrganizationDto,
  PolicyAcceptanceDto,
  PolicyVersionDto,
} from './admin.js'

/*
 * Mappers from access/ records to the wire DTOs. contract/ may import only domain/, so each
 * input is declared here as the fields the mapper reads; access/'s records satisfy them
 * structurally, and a field renamed there fails to compile at the caller.
 */

/** The fields of an organization record that its DTO shows. */
export interface OrganizationRecord {
  readonly id: string
  readonly name: string
  /** Milliseconds since the epoch. */
  readonly createdAt: number
}

/** The fields of an application record that its DTO shows. */
export interface ApplicationRecord {
  readonly id: string
  readonly orgId: string
  readonly name: string
  /** Milliseconds since the epoch. */
  readonly createdAt: number
  /** A tier id of the usage policy; null means its default tier. */
  readonly tier: string | null
  readonly status: string
}

/** The fields of an API key record that its DTO shows; never the secret or its hash. */
export interface ApiKeyRecord {
  readonly id: string
  readonly appId: string
  readonly orgId: string
  readonly name: string | null
  readonly prefix: string
  readonly allowedModels: readonly string[] | null
  /** Milliseconds since the epoch, each. */
  readonly expiresAt: number | null
  readonly revokedAt: number | null
  /** Set while the key is suspended (monitoring or an admin); absent or null otherwise. */
  readonly suspendedAt?: number | null
  readonly createdAt: number
}

/** Milliseconds to the Unix seconds the wire format uses. */
export function toUnixSeconds(ms: number): number
export function toUnixSeconds(ms: number | null): number | null
export function toUnixSeconds(ms: number | null): number | null {
  return ms === null ? null : Math.floor(ms / 1000)
}

/** An organization as the admin API and `warden org --json` show it. */
export const toOrganizationDto = (o: OrganizationRecord): OrganizationDto => ({
  id: o.id,
  name: o.name,
  created_at: toUnixSeconds(o.createdAt),
})

/** An application as the admin API and `warden app --json` show it. */
export const toApplicationDto = (a: ApplicationRecord): ApplicationDto => ({
  id: a.id,
  org_id: a.orgId,
  name: a.name,
  created_at: toUnixSeconds(a.createdAt),
  tier: a.tier,
  status: a.status,
})

/** One organization's acceptance of one usage-policy version. */
export interface PolicyAcceptanceRecord {
  readonly orgId: string
  readonly version: number
  readonly acceptedAt: number
  readonly acceptedBy: string
}

/** An acceptance as the admin and portal APIs and `warden policy accept --json` show it. */
export const toPolicyAcceptanceDto = (a: PolicyAcceptanceRecord): PolicyAcceptanceDto => ({
  org_id: a.orgId,
  version: a.version,
  accepted_at: toUnixSeconds(a.acceptedAt),
  accepted_by: a.acceptedBy,
})

/** The fields of a published usage-policy version that its DTO shows. */
export interface PolicyVersionRecord {
  readonly version: number
  readonly hash: string
  readonly publishedAt: number
  readonly publishedBy: string
  readonly requiresReacceptance: boolean
  readonly graceDays: number
  readonly changelog: string | null
}

/** A policy version as the admin API and `warden policy --json` show it (no document). */
export const toPolicyVersionDto = (v: PolicyVersionRecord): PolicyVersionDto => ({
  version: v.version,
  hash: v.hash,
  published_at: toUnixSeconds(v.publishedAt),
  published_by: v.publishedBy,
  requires_reacceptance: v.requiresReacceptance,
  grace_days: v.graceDays,
  changelog: v.changelog,
  url: `/policy/versions/${v.version}`,
})

/** An API key as the admin API and `warden key --json` show it: the display prefix only. */
export const toApiKeyDto = (k: ApiKeyRecord): ApiKeyDto => ({
  id: k.id,
  app_id: k.appId,
  org_id: k.orgId,
  name: k.name,
  prefix: k.prefix,
  models: k.allowedModels,
  expires_at: toUnixSeconds(k.expiresAt),
  revoked_at: toUnixSeconds(k.revokedAt),
  suspended_at: toUnixSeconds(k.suspendedAt ?? null),
  created_at: toUnixSeconds(k.createdAt),
})

/** What an audit-log verification found, as the CLI's `--json` and the admin API show it. */
export interface AuditVerificationRecord {
  readonly ok: boolean
  readonly checked: number
  readonly headSeq: number
  readonly checkpoints: number
  readonly problems: ReadonlyArray<{ readonly seq: number; readonly problem: string }>
  readonly warnings: readonly string[]
}

/** A verification in the wire shape: snake_case. */
export const toAuditVerificationDto = (v: AuditVerificationRecord) => ({
  ok: v.ok,
  checked: v.checked,
  head_seq: v.headSeq,
  checkpoints: v.checkpoints,
  problems: v.problems,
  warnings: v.warnings,
})

/** The fields of a use-case application record that its DTO shows. */
export interface UseCaseApplicationRecord {
  readonly id: string
  readonly orgId: string
  readonly appId: string
  readonly state: string
  readonly form: UseCaseForm
  readonly prescreen: StoredPrescreen | null
  readonly tier: string | null
  readonly conditions: string | null
  readonly appealed: boolean
  readonly createdBy: string
  readonly createdAt: number
  readonly updatedAt: number
  readonly history: ReadonlyArray<{
    readonly at: number
    readonly actor: string
    readonly from: string
    readonly to: string
    readonly reason: string | null
    readonly clauses: readonly string[]
  }>
}

/** A use-case application as the portal, the admin API and `warden app review --json` show it. */
export const toUseCaseApplicationDto = (a: UseCaseApplicationRecord): UseCaseApplicationDto => ({
  id: a.id,
  org_id: a.orgId,
  app_id: a.appId,
  state: a.state,
  form: a.form,
  prescreen: a.prescreen && {
    outcome: a.prescreen.outcome,
    clauses: a.prescreen.clauses.map((c) => ({ id: c.id, why: c.why })),
    mitigations: (a.prescreen.mitigations ?? []).map((m) => ({
      id: m.id,
      title: m.title,
      required_by: [...m.required_by],
      evidence: m.evidence,
    })),
  },
  tier: a.tier,
  conditions: a.conditions,
  appealed: a.appealed,
  created_by: a.createdBy,
  created_at: toUnixSeconds(a.createdAt),
  updated_at: toUnixSeconds(a.updatedAt),
  history: a.history.map((e) => ({
    at: toUnixSeconds(e.at),
    actor: e.actor,
    from: e.from,
    to: e.to,
    reason: e.reason,
    clauses: [...e.clauses],
  })),
})

/** A person just invited, with the one-time sign-in token shown only here. */
export const toInvitedUserDto = (invited: {
  readonly user: {
    readonly id: string
    readonly username: string
    readonly role: string
    readonly orgId: string | null
  }
  readonly token: string
  readonly expiresAt: number
}) => ({
  id: invited.user.id,
  username: invited.user.username,
  role: invited.user.role,
  org_id: invited.user.orgId,
  invite_token: invited.token,
  expires_at: toUnixSeconds(invited.expiresAt),
})

/** A key-creation body (admin and portal alike) in the access module's terms. */
export const fromCreateKeyRequest = (body: {
  readonly name?: string | null | undefined
  readonly models?: readonly string[] | null | undefined
  readonly expires_at?: number | null | undefined
}) => ({
  name: body.name ?? null,
  allowedModels: body.models ?? null,
  expiresAt: body.expires_at == null ? null : body.expires_at * 1000,
})
