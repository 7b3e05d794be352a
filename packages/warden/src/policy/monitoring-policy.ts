import { z } from 'zod'
import { MITIGATION_KINDS } from '../domain/index.js'

const slug = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,47}$/, 'must be a lower-case slug: a-z, 0-9 and _, at most 48')

const mitigations = z.array(z.enum(MITIGATION_KINDS)).max(MITIGATION_KINDS.length)

const limit = z.number().int().positive().max(1e12)

/**
 * The policy's `monitoring` section: which detectors run with which thresholds, and what each
 * detector's incidents set off at each severity. Detector options are checked by each detector
 * kind's own schema (in `monitoring/`) when a policy is published and when detectors are built.
 * Not shown on the public pages: thresholds published would tell misuse where to stop.
 */
export const monitoringPolicySchema = z.strictObject({
  /** Off: no detector runs (incidents already open stay as they are). */
  enabled: z.boolean().default(true),
  /** Per detector kind, its options; a kind left out runs with its defaults. */
  detectors: z
    .record(
      slug,
      z.looseObject({
        /** False turns this detector off. */
        enabled: z.boolean().default(true),
      }),
    )
    .default({}),
  /** Per detector kind and severity, the mitigations to apply automatically. */
  actions: z
    .record(
      slug,
      z.strictObject({
        low: mitigations.optional(),
        medium: mitigations.optional(),
        high: mitigations.optional(),
        critical: mitigations.optional(),
      }),
    )
    .default({}),
  /** The limits `throttle` sets on the subject, and for how long. */
  throttle: z
    .strictObject({
      requests_per_minute: limit.default(10),
      tokens_per_minute: limit.default(5_000),
      minutes: z
        .number()
        .int()
        .positive()
        .max(30 * 24 * 60)
        .default(60),
    })
    .prefault({}),
})

/** The policy's `monitoring` section, defaults applied. */
export type MonitoringPolicy = z.infer<typeof monitoringPolicySchema>
