import { randomBytes } from 'node:crypto'
import type { ChatCompletion } from '../../domain/index.js'
import type {
  IdFactory,
  ItemStatus,
  OutputItem,
  OutputText,
  ResponseContext,
  ResponseFunctionTool,
  ResponseObject,
  ResponseTextConfig,
  ResponseToolChoice,
  ResponseUsage,
} from './responses-wire.js'

// Unique across processes and restarts without a random draw per id (a draw costs more than
// the rest of a translated request): a random process part, then a counter.
const processPart = randomBytes(12).toString('hex')
let idCounter = 0

/** Ids shaped like OpenAI's: `resp_` and 48 hex digits (24 random per process, 24 counted). */
export const newResponseId: IdFactory = (prefix) =>
  `${prefix}_${processPart}${(idCounter += 1).toString(16).padStart(24, '0')}`

/**
 * The Response object for a chat completion that served a Responses request: the first
 * choice's text and refusal become one `message` item, its tool calls `function_call` items.
 */
export function toResponse(completion: ChatCompletion, context: ResponseContext): ResponseObject {
  const choice = completion.choices[0]
  const message = isObject(choice?.message) ? choice.message : {}
  const finish = readFinishReason(choice?.finish_reason)
  const status = itemStatus(finish)
  const output: OutputItem[] = []
  const text = typeof message.content === 'string' ? message.content : ''
  const refusal = typeof message.refusal === 'string' ? message.refusal : ''
  const calls = readToolCalls(message.tool_calls)
  if (text !== '' || refusal !== '' || calls.length === 0) {
    const content = refusal !== '' ? [{ type: 'refusal' as const, refusal }] : []
    output.push({
      type: 'message',
      id: context.newId('msg'),
      role: 'assistant',
      status,
      content: text !== '' || refusal === '' ? [outputText(text), ...content] : content,
    })
  }
  for (const call of calls) {
    output.push({
      type: 'function_call',
      id: context.newId('fc'),
      call_id: call.id || context.newId('call'),
      name: call.name,
      arguments: call.arguments,
      status,
    })
  }
  return settledResponse(
    { id: context.newId('resp'), context, output, finish },
    toResponseUsage(completion.usage),
  )
}

/** Why the upstream stopped, as far as the Responses API distinguishes it. */
export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | null

/** What a settled response is made of. */
export interface ResponseParts {
  readonly id: string
  readonly context: ResponseContext
  readonly output: OutputItem[]
  readonly finish: FinishReason
}

/** A Response that has finished: `completed`, or `incomplete` when the upstream was cut short. */
export function settledResponse(parts: ResponseParts, usage: ResponseUsage | null): ResponseObject {
  const reason = incompleteReason(parts.finish)
  const response: ResponseObject = {
    ...pendingResponse(parts.id, parts.context),
    status: reason === null ? 'completed' : 'incomplete',
    incomplete_details: reason === null ? null : { reason },
    completed_at: reason === null ? (parts.context.now ?? nowSeconds)() : null,
    output: parts.output,
  }
  return usage === null ? response : { ...response, usage }
}

/** The Response as `response.created` announces it: in progress, no output yet. */
export function pendingResponse(id: string, context: ResponseContext): ResponseObject {
  const { request } = context
  const response: ResponseObject = {
    id,
    object: 'response',
    created_at: context.createdAt,
    completed_at: null,
    status: 'in_progress',
    incomplete_details: null,
    error: null,
    model: context.model,
    output: [],
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    previous_response_id: null,
    reasoning: {
      effort: request.reasoning?.effort ?? null,
      summary: request.reasoning?.summary ?? null,
    },
    // Warden keeps no responses, whatever `store` asked for.
    store: false,
    temperature: request.temperature ?? null,
    top_p: request.top_p ?? null,
    text: echoText(request.text),
    tool_choice: echoToolChoice(request.tool_choice),
    tools: echoTools(request.tools),
    truncation: 'disabled',
    background: false,
    metadata: request.metadata ?? null,
  }
  return request.user == null ? response : { ...response, user: request.user }
}

/** An empty or finished text part. */
export function outputText(text: string): OutputText {
  return { type: 'output_text', text, annotations: [], logprobs: [] }
}

/** `incomplete` when the upstream hit a limit or a filter, else `completed`. */
export function itemStatus(finish: FinishReason): ItemStatus {
  return incompleteReason(finish) === null ? 'completed' : 'incomplete'
}

function incompleteReason(finish: FinishReason): 'max_output_tokens' | 'content_filter' | null {
  if (finish === 'length') return 'max_output_tokens'
  if (finish === 'content_filter') return 'content_filter'
  return null
}

/** Reads a chat `finish_reason`; unknown values count as a normal stop. */
export function readFinishReason(value: unknown): FinishReason {
  if (value === 'length' || value === 'content_filter' || value === 'tool_calls') return value
  return typeof value === 'string' ? 'stop' : null
}

/** Chat usage in the Responses API's names, or null when the upstream sent none. */
export function toResponseUsage(usage: unknown): ResponseUsage | null {
  if (!isObject(usage)) return null
  const input = count(usage.prompt_tokens)
  const output = count(usage.completion_tokens)
  const inputDetails = isObject(usage.prompt_tokens_details) ? usage.prompt_tokens_details : {}
  const outputDetails = isObject(usage.completion_tokens_details)
    ? usage.completion_tokens_details
    : {}
  return {
    input_tokens: input,
    input_tokens_details: {
      cached_tokens: count(inputDetails.cached_tokens),
      cache_write_tokens: count(inputDetails.cache_write_tokens),
    },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: count(outputDetails.reasoning_tokens) },
    total_tokens: typeof usage.total_tokens === 'number' ? usage.total_tokens : input + output,
  }
}

/**
 * The token counts of a Response object, or of a `response.completed` / `response.incomplete`
 * event, native or translated; null for anything else.
 */
export function responseUsage(
  value: unknown,
): { readonly input_tokens: number; readonly output_tokens: number } | null {
  if (!isObject(value)) return null
  const response =
    value.type === 'response.completed' || value.type === 'response.incomplete'
      ? value.response
      : value
  if (!isObject(response) || response.object !== 'response' || !isObject(response.usage)) {
    return null
  }
  const { input_tokens, output_tokens } = response.usage
  if (typeof input_tokens !== 'number' || typeof output_tokens !== 'number') return null
  return { input_tokens, output_tokens }
}

interface ToolCall {
  readonly id: string
  readonly name: string
  readonly arguments: string
}

function readToolCalls(value: unknown): ToolCall[] {
  if (!Array.isArray(value)) return []
  const calls: ToolCall[] = []
  for (const call of value) {
    if (!isObject(call) || !isObject(call.function)) continue
    calls.push({
      id: typeof call.id === 'string' ? call.id : '',
      name: typeof call.function.name === 'string' ? call.function.name : '',
      arguments: typeof call.function.arguments === 'string' ? call.function.arguments : '',
    })
  }
  return calls
}

function echoText(text: ResponseContext['request']['text']): ResponseTextConfig {
  const format = text?.format ?? { type: 'text' as const }
  const verbosity = text?.verbosity
  const echoed: ResponseTextConfig['format'] =
    format.type === 'json_schema'
      ? {
          type: 'json_schema',
          name: format.name,
          schema: format.schema,
          ...(format.description != null && { description: format.description }),
          strict: format.strict ?? null,
        }
      : { type: format.type }
  return verbosity == null ? { format: echoed } : { format: echoed, verbosity }
}

function echoToolChoice(choice: ResponseContext['request']['tool_choice']): ResponseToolChoice {
  if (choice == null) return 'auto'
  if (typeof choice === 'string') return choice
  return { type: 'function', name: choice.name ?? '' }
}

function echoTools(tools: ResponseContext['request']['tools']): ResponseFunctionTool[] {
  const echoed: ResponseFunctionTool[] = []
  for (const tool of tools ?? []) {
    if (tool.type !== 'function') continue
    echoed.push({
      type: 'function',
      name: tool.name,
      description: tool.description ?? null,
      parameters: tool.parameters ?? null,
      strict: tool.strict ?? null,
    })
  }
  return echoed
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000)
}

/** True for a plain JSON object. */
export function isObject(value: unknown): value is { readonly [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
