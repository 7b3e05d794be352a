import { z } from 'zod'
import type { LimitLevel, LimitOverrides } from '../domain/index.js'

/** One limit's value: a whole number of requests or tokens, as in the policy's tiers. */
const limitValue = z.number().int().positive().max(1e12)

/** Some of the four limits; each one left out is not limited by this override. */
export const limitValuesSchema = z.strictObject({
  requests_per_minute: limitValue.optional(),
  tokens_per_minute: limitValue.optional(),
  tokens_per_day: limitValue.optional(),
  concurrent_requests: limitValue.optional(),
})

/** A model pattern as tiers write them: `gpt-4o`, `gpt-4o*`, `*`. */
export const modelPatternSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\s]+$/, 'no spaces')

/**
 * The limits of one organization, application or key: `limits` for every model, `models` for
 * the models a pattern matches (counted apart). `PUT` replaces the whole set.
 */
export const limitOverridesSchema = z.strictObject({
  limits: limitValuesSchema.optional(),
  models: z
    .record(modelPatternSchema, limitValuesSchema)
    .refine((models) => Object.keys(models).length <= 50, 'at most 50 model patterns')
    .optional(),
})

/** The body of `PUT /api/admin/limits/:level/:id`. */
export const setLimitsRequestSchema = limitOverridesSchema

/** The limits set on one key, application or organization, as the admin API shows them. */
export interface LimitOverridesDto {
  readonly level: LimitLevel
  readonly id: string
  /** null when nothing is set: the tier alone decides (for an application), or no limit. */
  readonly overrides: LimitOverrides | null
}

/** The levels as the admin API's paths name them: `/api/admin/limits/<path>/<id>`. */
export const LIMIT_LEVEL_PATHS = {
  organizations: 'org',
  applications: 'app',
  keys: 'key',
} as const satisfies Readonly<Record<string, LimitLevel>>
/** A level's name in an admin API path. */
export type LimitLevelPath = keyof typeof LIMIT_LEVEL_PATHS

/** One limit in a usage view: how much of it is used in the current window and what is left. */
export interface UsageLineDto {
  readonly name:
    'requests_per_minute' | 'tokens_per_minute' | 'tokens_per_day' | 'concurrent_requests'
  /** The model pattern of a per-model limit; null for one that counts every model. */
  readonly model: string | null
  readonly limit: number
  readonly used: number
  readonly remaining: number
  /** When the window starts over, Unix seconds; null for concurrency. */
  readonly resets_at: number | null
}

/** `GET /api/admin/usage?org=…` and `GET /api/portal/usage`: live consumption and budget. */
export interface UsageViewDto {
  readonly organization: { readonly id: string; readonly limits: readonly UsageLineDto[] }
  readonly applications: ReadonlyArray<{
    readonly id: string
    readonly name: string
    readonly tier: string
    readonly limits: readonly UsageLineDto[]
  }>
  readonly keys: ReadonlyArray<{
    readonly id: string
    readonly prefix: string
    readonly app_id: string
    readonly limits: readonly UsageLineDto[]
  }>
  /** Where the counters live: `memory` (this server's process) or `redis` (every replica's). */
  readonly counters: 'memory' | 'redis'
}
