import type { ContentVerdict } from './content-decision.js'
import {
  OPENAI_MODERATION_CATEGORIES,
  type OpenAiModerationCategory,
} from './openai-moderation-classifier.js'

/** OpenAI's moderation categories (`omni-moderation`), as `/v1/moderations` names them. */
export const OPENAI_CATEGORIES = OPENAI_MODERATION_CATEGORIES
/** One of OpenAI's moderation categories. */
export type OpenAiCategory = OpenAiModerationCategory

/**
 * Warden's policy categories under OpenAI's names. A finding whose `label` is itself an OpenAI
 * name of the same family (`harassment/threatening` from a classifier that speaks OpenAI's
 * schema) counts under that name too. Categories OpenAI has no name for (personal data,
 * secrets, prompt injection, spam) are judged by the policy all the same; the answer's
 * `flagged` says so, its category maps cannot.
 */
const OPENAI_NAME: Readonly<Record<string, OpenAiCategory>> = {
  harassment: 'harassment',
  hate: 'hate',
  illicit: 'illicit',
  weapons: 'illicit/violent',
  self_harm: 'self-harm',
  sexual: 'sexual',
  sexual_minors: 'sexual/minors',
  violence: 'violence',
}

/** One entry of `results` of a `/v1/moderations` answer. */
export interface ModerationResult {
  flagged: boolean
  categories: Record<OpenAiCategory, boolean>
  category_scores: Record<OpenAiCategory, number>
  category_applied_input_types: Record<OpenAiCategory, Array<'text' | 'image'>>
}

const isOpenAiCategory = (name: string): name is OpenAiCategory =>
  (OPENAI_CATEGORIES as readonly string[]).includes(name)

/**
 * A verdict of the content filter as OpenAI's moderation result: the highest score per
 * category, a category flagged where the policy does anything about it for the caller's tier,
 * and `flagged` when any finding is acted on, in whatever category.
 */
export function toModerationResult(verdict: ContentVerdict): ModerationResult {
  const scores = Object.fromEntries(OPENAI_CATEGORIES.map((c) => [c, 0])) as Record<
    OpenAiCategory,
    number
  >
  const flags = Object.fromEntries(OPENAI_CATEGORIES.map((c) => [c, false])) as Record<
    OpenAiCategory,
    boolean
  >
  for (const finding of verdict.findings) {
    const name = OPENAI_NAME[finding.category]
    if (name === undefined) continue
    const names =
      finding.label !== undefined &&
      isOpenAiCategory(finding.label) &&
      finding.label.startsWith(name.split('/')[0] as string)
        ? [name, finding.label]
        : [name]
    for (const n of names) {
      scores[n] = Math.max(scores[n], finding.score)
      if (finding.action !== 'allow') flags[n] = true
    }
  }
  return {
    flagged: verdict.action !== 'allow',
    categories: flags,
    category_scores: scores,
    category_applied_input_types: Object.fromEntries(
      // Images are not read: every category was judged on the text alone.
      OPENAI_CATEGORIES.map((c) => [c, ['text']]),
    ) as Record<OpenAiCategory, Array<'text' | 'image'>>,
  }
}
