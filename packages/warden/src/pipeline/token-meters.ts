import type {
  ChatCompletionRequest,
  CompletionRequest,
  EmbeddingRequest,
  JsonObject,
} from '../domain/index.js'
import { responseUsage, type ResponsesRequest } from '../providers/index.js'
import {
  countChatPromptTokens,
  countTextTokens,
  textOf,
  type TokenizerFamily,
} from './count-tokens.js'
import type { ReportedTokens, TokenMeter } from './meter-tokens.js'
import type { ModerationRequest } from './openai-requests.js'

/** `usage` in the chat / completions / embeddings shape. */
function reportedUsage(value: JsonObject): ReportedTokens | null {
  const usage = value.usage as { prompt_tokens?: unknown; completion_tokens?: unknown } | null
  if (typeof usage !== 'object' || usage === null || typeof usage.prompt_tokens !== 'number') {
    return null
  }
  const completion = usage.completion_tokens
  return {
    promptTokens: usage.prompt_tokens,
    completionTokens: typeof completion === 'number' ? completion : 0,
  }
}

/** The text of `choices[]`: a message, a stream delta, or a legacy completion's text. */
function choicesText(value: JsonObject): string {
  const choices = value.choices
  if (!Array.isArray(choices)) return ''
  let text = ''
  for (const choice of choices as Array<{
    text?: unknown
    message?: { content?: unknown }
    delta?: { content?: unknown }
  }>) {
    const part = choice.delta?.content ?? choice.message?.content ?? choice.text
    if (typeof part === 'string') text += part
  }
  return text
}

/** The usage-only last chunk that Warden asked for, which the client did not. */
function hidesUsageChunk(
  chunk: JsonObject,
  body: { readonly stream_options?: { readonly include_usage?: unknown } | null },
): boolean {
  return (
    Array.isArray(chunk.choices) &&
    chunk.choices.length === 0 &&
    body.stream_options?.include_usage !== true
  )
}

/** The fields of `choices` requests that bound the completion. */
interface ChoicesRequest {
  readonly stream_options?: { readonly include_usage?: unknown } | null
  readonly max_tokens?: number | null
  readonly max_completion_tokens?: number | null
  readonly n?: number | null
}

/** A meter for the endpoints that answer with `choices` (chat and legacy completions). */
function choicesMeter<Body extends ChoicesRequest>(
  countPrompt: (body: Body, family?: TokenizerFamily) => Promise<number>,
): TokenMeter<Body> {
  return {
    countPrompt,
    maxTokens: (body) => {
      const max = body.max_completion_tokens ?? body.max_tokens
      return max == null ? null : max * (body.n ?? 1)
    },
    countText: countTextTokens,
    reported: reportedUsage,
    generated: choicesText,
    hides: hidesUsageChunk,
  }
}

export const chatMeter = choicesMeter<ChatCompletionRequest>((body, family) =>
  countChatPromptTokens(body.messages, family),
)

export const completionMeter = choicesMeter<CompletionRequest>((body, family) =>
  countTextTokens(body.prompt, family),
)

export const embeddingMeter: TokenMeter<EmbeddingRequest> = {
  countPrompt: (body, family) => countTextTokens(body.input, family),
  maxTokens: () => 0,
  countText: () => Promise.resolve(0),
  reported: reportedUsage,
  generated: () => '',
}

/** The text of a Responses API input: a string, or the text parts of its items. */
function responsesInputText(body: ResponsesRequest): string {
  const parts: string[] = [body.instructions ?? '']
  if (typeof body.input === 'string') parts.push(body.input)
  else {
    for (const item of body.input ?? []) {
      const {
        content,
        output,
        arguments: args,
      } = item as {
        content?: unknown
        output?: unknown
        arguments?: unknown
      }
      parts.push(
        textOf(content),
        typeof output === 'string' ? output : '',
        typeof args === 'string' ? args : '',
      )
    }
  }
  return parts.join('\n')
}

/** The generated text of a Response object, or of one text delta event of a stream. */
function responsesText(value: JsonObject): string {
  if (value.type === 'response.output_text.delta') {
    return typeof value.delta === 'string' ? value.delta : ''
  }
  if (value.object !== 'response' || !Array.isArray(value.output)) return ''
  return (value.output as Array<{ content?: unknown }>).map((item) => textOf(item.content)).join('')
}

export const responsesMeter: TokenMeter<ResponsesRequest> = {
  countPrompt: (body, family) => countTextTokens(responsesInputText(body), family),
  maxTokens: (body) => body.max_output_tokens ?? null,
  countText: countTextTokens,
  reported: (value) => {
    const usage = responseUsage(value)
    return usage && { promptTokens: usage.input_tokens, completionTokens: usage.output_tokens }
  },
  generated: responsesText,
}

/** Moderations generate nothing: a request counts, and its input's tokens, estimated. */
export const moderationMeter: TokenMeter<ModerationRequest> = {
  countPrompt: (body) => countTextTokens(body.input, 'estimate'),
  maxTokens: () => 0,
  countText: () => Promise.resolve(0),
  reported: () => null,
  generated: () => '',
}
