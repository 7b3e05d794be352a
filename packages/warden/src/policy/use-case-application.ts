import { z } from 'zod'

export const AUDIENCES = ['internal', 'business', 'consumers', 'minors'] as const
/** Who an application's end users are, as the use-case form asks. */
export type Audience = (typeof AUDIENCES)[number]

/** One example exchange an applicant shows: what a user sends and what the model answers. */
export interface UseCaseSample {
  readonly prompt: string
  readonly output: string
}

/**
 * An organization's use-case form: what it builds, for whom and with which safeguards. Only the
 * description is required; every other answer is self-reported and never lowers a risk the text
 * shows.
 */
export interface UseCaseApplication {
  /** What the application does, in the applicant's words. */
  readonly description: string
  /** A free-text category the applicant picks (`customer support`, `marketing`). */
  readonly category?: string
  /** The high-scrutiny domains the applicant declares: policy ids (`medicine`) or names. */
  readonly domains?: readonly string[]
  readonly audience?: readonly Audience[]
  /** How much traffic the applicant expects: a number of requests a day, or words. */
  readonly expectedVolume?: string | number
  /** Whether a person oversees what the application does with the model's output. */
  readonly humanOversight?: boolean
  /** Whether end users are told that they deal with AI. */
  readonly disclosesAi?: boolean
  /** The safeguards the applicant has in place, in words. */
  readonly safeguards?: string
  readonly samples?: readonly UseCaseSample[]
  /** Who to reach about misuse: an e-mail address or a name. */
  readonly safetyContact?: string
}

const text = (max: number) => z.string().trim().max(max)

/**
 * The use-case form on the wire (JSON, snake_case), validated with bounded lengths so one
 * application cannot swamp a review page or a model prompt. Unknown keys are refused, so a
 * misspelt field is an error rather than an answer silently ignored.
 */
export const useCaseApplicationSchema = z.strictObject({
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

/** The use-case form as its JSON says it. */
export type UseCaseApplicationForm = z.infer<typeof useCaseApplicationSchema>

/** The wire form in TypeScript names. */
export function toUseCaseApplication(form: UseCaseApplicationForm): UseCaseApplication {
  return {
    description: form.description,
    category: form.category,
    domains: form.domains,
    audience: form.audience,
    expectedVolume: form.expected_volume,
    humanOversight: form.human_oversight,
    disclosesAi: form.discloses_ai,
    safeguards: form.safeguards,
    samples: form.samples,
    safetyContact: form.safety_contact,
  }
}
