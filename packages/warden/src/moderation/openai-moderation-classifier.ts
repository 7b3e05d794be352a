import { z } from 'zod'
import { apiKeyOptions, withApiKey } from './api-key-option.js'
import type { Classifier, ClassifierKind, ClassifyInput, Finding } from './classifier.js'
import { postJson } from './post-json.js'

/** The category names of OpenAI's moderation API (omni-moderation), subcategories included. */
export const OPENAI_MODERATION_CATEGORIES = [
  'harassment',
  'harassment/threatening',
  'hate',
  'hate/threatening',
  'self-harm',
  'self-harm/intent',
  'self-harm/instructions',
  'sexual',
  'sexual/minors',
  'violence',
  'violence/graphic',
  'illicit',
  'illicit/violent',
] as const
/** One category name of OpenAI's moderation API. */
export type OpenAiModerationCategory = (typeof OPENAI_MODERATION_CATEGORIES)[number]

/**
 * The usage-policy category each OpenAI moderation category counts towards. A subcategory
 * counts towards its parent's: a threat is harassment at its worst, not a category of its own.
 */
export const POLICY_CATEGORY_OF_OPENAI: Readonly<Record<OpenAiModerationCategory, string>> = {
  harassment: 'harassment',
  'harassment/threatening': 'harassment',
  hate: 'hate',
  'hate/threatening': 'hate',
  'self-harm': 'self_harm',
  'self-harm/intent': 'self_harm',
  'self-harm/instructions': 'self_harm',
  sexual: 'sexual',
  'sexual/minors': 'sexual_minors',
  violence: 'violence',
  'violence/graphic': 'violence',
  illicit: 'illicit',
  'illicit/violent': 'illicit',
}

/**
 * The reverse: the OpenAI categories a policy category answers for, parent first. What
 * Warden's own `/v1/moderations` reports for a finding of that category (a finding whose
 * `label` is one of them names the exact one).
 */
export const OPENAI_CATEGORIES_OF_POLICY: Readonly<
  Record<string, readonly OpenAiModerationCategory[]>
> = Object.freeze(
  OPENAI_MODERATION_CATEGORIES.reduce<Record<string, OpenAiModerationCategory[]>>(
    (reverse, name) => {
      ;(reverse[POLICY_CATEGORY_OF_OPENAI[name]] ??= []).push(name)
      return reverse
    },
    {},
  ),
)

/** The options of `kind: openai-moderation`. */
export const openAiModerationOptions = z
  .object({
    /** Base URL including the version path: `https://api.openai.com/v1`. */
    base_url: z.url({ protocol: /^https?$/ }),
    /** The moderation model the server should use. */
    model: z.string().min(1).default('omni-moderation-latest'),
    ...apiKeyOptions,
    /** Scores below this are not reported; 0 reports every category the server scored. */
    min_score: z.number().min(0).max(1).default(0.01),
    /** Most bytes of answer read (a moderation answer is about a kilobyte). */
    max_response_bytes: z
      .number()
      .int()
      .positive()
      .default(64 * 1024),
  })
  .strict()
  .transform(withApiKey)

/** The validated options of `kind: openai-moderation`. */
export type OpenAiModerationOptions = z.output<typeof openAiModerationOptions>

/** `kind: openai-moderation`: any server that speaks OpenAI's `POST /v1/moderations`. */
export const openAiModerationClassifierKind: ClassifierKind<OpenAiModerationOptions> = {
  kind: 'openai-moderation',
  remote: true,
  options: openAiModerationOptions,
  create: (id, options) => createOpenAiModerationClassifier(id, options),
}

const moderationAnswer = z.object({
  results: z
    .array(z.object({ category_scores: z.record(z.string(), z.number().min(0).max(1)) }))
    .min(1),
})

/**
 * Asks a moderation server about one text and reports, per policy category, the highest score
 * of its OpenAI categories, labelled with the OpenAI name that scored it. Categories the server
 * adds later and this table does not know are left out until the table names them.
 */
export function createOpenAiModerationClassifier(
  id: string,
  options: OpenAiModerationOptions,
): Classifier {
  const url = new URL(`${options.base_url.replace(/\/+$/, '')}/moderations`)
  const caller = `openai-moderation "${id}"`
  return {
    id,
    async classify({ text, signal }: ClassifyInput): Promise<readonly Finding[]> {
      const answer = await postJson({
        caller,
        url,
        body: JSON.stringify({ model: options.model, input: text }),
        apiKey: options.api_key,
        maxResponseBytes: options.max_response_bytes,
        signal,
        answer: moderationAnswer,
        answerName: 'a moderation result',
      })
      return toFindings(answer.results[0]?.category_scores ?? {}, options.min_score, id)
    },
  }
}

/** The best OpenAI category of each policy category, as findings at or above `minScore`. */
function toFindings(
  scores: Readonly<Record<string, number>>,
  minScore: number,
  classifier: string,
): Finding[] {
  const best = new Map<string, Finding>()
  for (const name of OPENAI_MODERATION_CATEGORIES) {
    const score = scores[name]
    if (score === undefined || score < minScore) continue
    const category = POLICY_CATEGORY_OF_OPENAI[name]
    const held = best.get(category)
    if (held === undefined || score > held.score) {
      best.set(category, { category, score, label: name, classifier })
    }
  }
  return [...best.values()]
}
