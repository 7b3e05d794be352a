import { WardenError } from '../domain/index.js'
import {
  redactTexts,
  type ContentFilter,
  type Direction,
  type Redactor,
  type TextsVerdict,
} from '../moderation/index.js'
import type { PolicySnapshot } from '../policy/index.js'
import { withTexts, type PromptTextsOf } from './prompt-texts.js'
import type { Stage } from './stage.js'

/** What the content filter stages need. */
export interface FilterDeps {
  readonly filter: ContentFilter
  readonly policy: () => PolicySnapshot
  /** A fresh redactor, one per request: one value gets one placeholder throughout it. */
  readonly createRedactor: () => Redactor
}

/**
 * Judges the request's texts against the policy of the caller's tier before anything is sent
 * upstream: a block refuses the request (`400 content_policy_violation`, naming the clause);
 * a redaction replaces the values in the body the upstream gets; a flag is recorded.
 */
export function filterInput<Body>(deps: FilterDeps, textsOf: PromptTextsOf<Body>): Stage<Body> {
  return async (x, next) => {
    const { principal, body } = x
    if (principal === undefined || body === undefined) {
      throw new Error('filterInput runs after readRequest')
    }
    const found = textsOf(body)
    if (found.texts.length > 0) {
      const verdict = await deps.filter.check(found.texts, {
        direction: 'input',
        tier: deps.policy().tier(principal.tier).id,
        signal: x.signal,
      })
      x.content.push({ direction: 'input', texts: found.texts, verdict })
      if (verdict.action === 'block') throw refusal(verdict, deps.policy(), 'input')
      if (verdict.action === 'redact') {
        x.redactor ??= deps.createRedactor()
        x.body = withTexts(body, found, redactTexts(found.texts, verdict, x.redactor))
      }
    }
    await next()
  }
}

/**
 * The refusal of a blocked request or answer: the clause and its title, never the text or the
 * score.
 */
export function refusal(
  verdict: TextsVerdict,
  policy: PolicySnapshot,
  direction: Direction,
): WardenError {
  const by = verdict.blockedBy
  const what = direction === 'input' ? 'this request' : 'the answer'
  if (by !== null && !('category' in by)) {
    // A classifier that failed closed: nothing was found, the check could not be made.
    return new WardenError(
      'service_unavailable',
      `The content filter could not check ${what} just now; try again shortly.`,
    )
  }
  const clause = by?.clause ?? null
  const title =
    policy.document.categories.find((c) => `category.${c.id}` === clause)?.title ??
    by?.category ??
    'content policy'
  return new WardenError(
    'content_policy_violation',
    `${direction === 'input' ? 'This request was refused' : 'The answer was stopped'} by the usage policy: ${title}${clause ? ` (${clause})` : ''}.`,
    { clause },
  )
}
