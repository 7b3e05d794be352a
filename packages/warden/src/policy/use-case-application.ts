import { useCaseFormSchema, type Audience, type UseCaseForm } from '../domain/index.js'

export { AUDIENCES } from '../domain/index.js'
export type { Audience } from '../domain/index.js'

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

/** The use-case form on the wire; one schema for the portal, the CLI and the labeled set. */
export const useCaseApplicationSchema = useCaseFormSchema

/** The use-case form as its JSON says it. */
export type UseCaseApplicationForm = UseCaseForm

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
