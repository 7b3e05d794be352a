import type { ContentVerdict } from './content-decision.js'
import {
  OPENAI_CATEGORIES_OF_POLICY,
  OPENAI_MODERATION_CATEGORIES,
  type OpenAiModerationCategory,
} from './openai-moderation-classifier.js'

/** OpenAI's moderation categories (`omni-moderation`), as `/v1/moderations` names them. */
export const OPENAI_CATEGORIES = OPENAI_MODERATION_CATEGORIES
/** One of OpenAI's moderation categories. */
export type OpenAiCategory = OpenAiModerationCategory

/**
 * The OpenAI names a policy category answers for, parent first: the reverse of the table the
 * `openai-moderation` classifier reads answers with, plus `weapons`, which OpenAI counts as
 * violent illicit content. Categories OpenAI has no name for (personal data, secrets, prompt
 * injection, spam) are judged by the policy all the same: the answer's `flagged` says so, its
 * category maps cannot.
 */
function openAiNamesOf(category: string): readonly OpenAiCategory[] {
  return category === 'weapons'
    ? ['illicit/violent']
    : (OPENAI_CATEGORIES_OF_POLICY[category] ?? [])
}

/** One entry of `results` of a `/v1/moderations` answer. */
export interface ModerationResult {
  flagged: boolean
  categories: Record<OpenAiCategory, boolean>
  category_scores: Record<OpenAiCategory, number>
  category_applied_input_types: Record<OpenAiCategory, Array<'text' | 'image'>>
}

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
    const known = openAiNamesOf(finding.category)
    const parent = known[0]
    if (parent === undefined) continue
    // A finding whose label is one of them (`harassment/threatening`) names the exact one too.
    const label = known.find((name) => name === finding.label)
    for (const n of label === undefined || label === parent ? [parent] : [parent, label]) {
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
