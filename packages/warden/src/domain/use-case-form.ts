import { z } from 'zod'

export const AUDIENCES = ['internal', 'business', 'consumers', 'minors'] as const
/** Who an application's end users are, as the use-case form asks. */
export type Audience = (typeof AUDIENCES)[number]

const text = (max: number) => z.string().trim().max(max)

/**
 * The use-case form on the wire (JSON, snake_case), validated with bounded lengths so one
 * application cannot swamp a review page or a model prompt. Unknown keys are refused, so a
 * misspelt field is an error rather than an answer silently ignored.
 */
export const useCaseFormSchema = z.strictObject({
  description: text(8000).min(1),
  category: text(200).optional(),
  domains: z.array(text(100).min(1)).max(20).optional(),
  audience: z.array(z.enum(AUDIENCES)).max(AUDIENCES.length).optional(),
  expected_volume: z.union([text(200), z.number().int().min(0).max(1e12)]).optional(),
  human_oversight: z.boolean().optional(),
  discloses_ai: z.boolean().optional(),
  safeguards: text(4000).optional(),
  samples: z
    .array(z.strictObject({ prompt: text(4000), output: text(4000) }))
    .max(20)
    .optional(),
  safety_contact: text(320).optional(),
})

/** The use-case form as its JSON says it: what the portal takes and the pre-screen reads. */
export type UseCaseForm = z.infer<typeof useCaseFormSchema>
