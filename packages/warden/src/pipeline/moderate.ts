import { WardenError } from '../domain/index.js'
import { toModerationResult, type ContentFilter } from '../moderation/index.js'
import type { PolicySnapshot } from '../policy/index.js'
import type { ModerationRequest } from './openai-requests.js'
import type { Stage } from './stage.js'

/** The model name answered when the client names none. */
const MODEL = 'warden-moderation'

/**
 * `POST /v1/moderations`, answered by the content filter itself in OpenAI's schema: one result
 * per input text, judged against the caller's tier, so any OpenAI client can use Warden as its
 * moderation service. The innermost stage: nothing goes upstream.
 */
export function moderate(deps: {
  readonly contentFilter: ContentFilter | null
  readonly policy: () => PolicySnapshot
}): Stage<ModerationRequest> {
  return async (x) => {
    const { principal, body } = x
    if (principal === undefined || body === undefined) {
      throw new Error('moderate runs after readRequest')
    }
    const filter = deps.contentFilter
    if (filter === null || !filter.reads('input')) {
      throw new WardenError(
        'not_found',
        'This Warden has no content filter configured (moderation.enabled), so it offers no moderations.',
      )
    }
    const tier = deps.policy().tier(principal.tier).id
    const texts = inputTexts(body.input)
    const verdicts = await Promise.all(
      texts.map((text) => filter.check([text], { direction: 'input', tier, signal: x.signal })),
    )
    verdicts.forEach((verdict, i) => {
      x.content.push({ direction: 'input', texts: texts.slice(i, i + 1), verdict })
    })
    x.output = {
      kind: 'json',
      body: {
        id: `modr-${x.requestId}`,
        model: body.model ?? MODEL,
        results: verdicts.map((v) => ({ ...toModerationResult(v) })),
      },
    }
  }
}

/** The texts to judge: each string, or the text parts of a multi-modal input joined. */
function inputTexts(input: ModerationRequest['input']): string[] {
  if (typeof input === 'string') return [input]
  const strings = input.filter((item): item is string => typeof item === 'string')
  if (strings.length === input.length) return strings
  // Parts of one multi-modal input: one result, for its text.
  const parts = input.flatMap((item) =>
    typeof item === 'object' && item.type === 'text' && typeof item.text === 'string'
      ? [item.text]
      : [],
  )
  return [parts.join('\n')]
}
