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
  readonly created_at: number
}
