import { z } from 'zod'

/** Request and response shapes of `/api/admin/*`; the console imports these. */

export const loginRequestSchema = z.union([
  z.strictObject({ token: z.string().min(1) }),
  z.strictObject({ username: z.string().min(1).max(100), password: z.string().min(1).max(1024) }),
])
export type LoginRequest = z.infer<typeof loginRequestSchema>

export const setPasswordRequestSchema = z.strictObject({ password: z.string().max(1024) })

export const createOrganizationRequestSchema = z.strictObject({ name: z.string() })

export const createApplicationRequestSchema = z.strictObject({ name: z.string() })

export const createKeyRequestSchema = z.strictObject({
  name: z.string().max(100).nullish(),
  /** Public model ids the key may use; omitted or null for every model. */
  models: z.array(z.string().min(1)).min(1).nullish(),
  /** Unix seconds after which the key stops working. */
  expires_at: z.number().int().positive().nullish(),
})
export type CreateKeyRequest = z.infer<typeof createKeyRequestSchema>

export const publishPolicyRequestSchema = z.strictObject({
  /** The policy's YAML, in the format of the default policy. */
  source: z
    .string()
    .min(1)
    .max(1024 * 1024),
  requires_reacceptance: z.boolean().default(false),
  grace_days: z.number().int().min(0).max(365).default(0),
  changelog: z.string().max(4000).nullish(),
})
export type PublishPolicyRequest = z.infer<typeof publishPolicyRequestSchema>

export const acceptPolicyRequestSchema = z.strictObject({
  /** The version accepted; the current one when omitted. */
  version: z.number().int().positive().optional(),
})

const reason = z.string().trim().min(1).max(2000)

export const setTierRequestSchema = z.strictObject({
  /** A tier id of the current usage policy. */
  tier: z.string().min(1).max(48),
  reason,
})

export const setApplicationStatusRequestSchema = z.strictObject({
  status: z.enum(['active', 'suspended', 'revoked']),
  reason,
  /** Clause ids of the usage policy the decision rests on. */
  clauses: z.array(z.string().min(1).max(100)).max(20).default([]),
})

export interface PolicyAcceptanceDto {
  readonly org_id: string
  readonly version: number
  readonly accepted_at: number
  readonly accepted_by: string
}

export interface OrganizationDto {
  readonly id: string
  readonly name: string
  readonly created_at: number
}

export interface ApplicationDto {
  readonly id: string
  readonly org_id: string
  readonly name: string
  readonly created_at: number
  /** A tier id of the usage policy; null means its default tier (the sandbox). */
  readonly tier: string | null
  /** `active`, `suspended` or `revoked`. */
  readonly status: string
}

export interface PolicyVersionDto {
  readonly version: number
  /** SHA-256 of the published YAML, hex. */
  readonly hash: string
  readonly published_at: number
  readonly published_by: string
  readonly requires_reacceptance: boolean
  readonly grace_days: number
  readonly changelog: string | null
  /** The public page of this version (a path on this server). */
  readonly url: string
}

export interface ApiKeyDto {
  readonly id: string
  readonly app_id: string
  readonly org_id: string
  readonly name: string | null
  readonly prefix: string
  readonly models: readonly string[] | null
  readonly expires_at: number | null
  readonly revoked_at: number | null
  /** Unix seconds since the key was suspended, while it is; null otherwise. */
  readonly suspended_at: number | null
  readonly created_at: number
}
