import type { Endpoint } from '../domain/index.js'

/**
 * Prompt and answer texts in the shape of the GenAI semantic conventions' `gen_ai.input.messages`
 * and `gen_ai.output.messages` (a role and text parts each), read from the OpenAI wire format.
 * Only spans of an operator who set `tracing.captureContent` carry them.
 */

type Part = { readonly type: 'text'; readonly content: string }
type Message = {
  readonly role: string
  readonly parts: readonly Part[]
  readonly finish_reason?: string
}

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x)

/** The text parts of a message's `content`: a string, or an array of parts with `text`. */
function partsOf(content: unknown): Part[] {
  if (typeof content === 'string') return [{ type: 'text', content }]
  if (!Array.isArray(content)) return []
  const parts: Part[] = []
  for (const part of content) {
    if (typeof part === 'string') parts.push({ type: 'text', content: part })
    else if (isObject(part) && typeof part.text === 'string') {
      parts.push({ type: 'text', content: part.text })
    }
  }
  return parts
}

const user = (content: unknown): Message => ({ role: 'user', parts: partsOf(content) })

/** The request's messages as the upstream got them (redacted where the filter redacted). */
export function inputMessages(endpoint: Endpoint, body: unknown): string | null {
  if (!isObject(body)) return null
  let messages: Message[]
  switch (endpoint) {
    case 'chat':
      messages = Array.isArray(body.messages)
        ? body.messages.filter(isObject).map((m) => ({
            role: typeof m.role === 'string' ? m.role : 'user',
            parts: partsOf(m.content),
          }))
        : []
      break
    case 'completions':
      messages = [user(body.prompt)]
      break
    case 'responses':
      messages =
        typeof body.input === 'string'
          ? [user(body.input)]
          : Array.isArray(body.input)
            ? body.input.filter(isObject).map((m) => ({
                role: typeof m.role === 'string' ? m.role : 'user',
                parts: partsOf(m.content ?? m.text),
              }))
            : []
      break
    case 'embeddings':
    case 'moderations':
      messages = [user(body.input)]
      break
    case 'models':
      return null
  }
  return JSON.stringify(messages)
}

/** A JSON answer's messages (chat, completions, responses); null for other answers. */
export function outputMessages(endpoint: Endpoint, answer: Record<string, unknown>): string | null {
  const choices = Array.isArray(answer.choices) ? answer.choices.filter(isObject) : []
  const reason = (c: Record<string, unknown>) =>
    typeof c.finish_reason === 'string' ? { finish_reason: c.finish_reason } : {}
  let messages: Message[]
  switch (endpoint) {
    case 'chat':
      messages = choices.map((c) => ({
        role: 'assistant',
        parts: partsOf(isObject(c.message) ? c.message.content : null),
        ...reason(c),
      }))
      break
    case 'completions':
      messages = choices.map((c) => ({ role: 'assistant', parts: partsOf(c.text), ...reason(c) }))
      break
    case 'responses':
      messages = (Array.isArray(answer.output) ? answer.output.filter(isObject) : [])
        .filter((item) => item.type === 'message')
        .map((item) => ({ role: 'assistant', parts: partsOf(item.content) }))
      break
    case 'embeddings':
    case 'moderations':
    case 'models':
      return null
  }
  return JSON.stringify(messages)
}
