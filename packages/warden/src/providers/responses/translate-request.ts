import type { ChatCompletionRequest, ChatMessage, JsonObject } from '../../domain/index.js'
import { WardenError } from '../../domain/index.js'
import type { ResponsesInputItem, ResponsesRequest } from './responses-wire.js'

type ContentPart = Exclude<Extract<ResponsesInputItem, { role: string }>['content'], string>[number]
type Tool = NonNullable<ResponsesRequest['tools']>[number]

const NATIVE_ONLY = "it needs a provider configured with 'responses: native'"

/**
 * Translates a Responses API request into the chat completions request that serves it, for
 * upstreams that speak only chat completions. Throws `invalid_request_error` (naming `param`)
 * for what has no chat equivalent: built-in tools, stored responses, background runs.
 * `store: true` is accepted, but nothing is stored.
 */
export function toChatCompletionRequest(
  body: ResponsesRequest,
  upstreamModel: string,
): ChatCompletionRequest {
  refuseNativeOnly(body)
  const chat: ChatCompletionRequest = { model: upstreamModel, messages: toMessages(body) }
  const tools = (body.tools ?? []).flatMap((tool) =>
    tool.type === 'function' ? [toChatTool(tool)] : [],
  )
  if (tools.length > 0) {
    chat.tools = tools
    // Chat completions rejects parallel_tool_calls without tools.
    if (body.parallel_tool_calls != null) chat.parallel_tool_calls = body.parallel_tool_calls
  }
  if (body.tool_choice != null) chat.tool_choice = toChatToolChoice(body.tool_choice)
  const format = body.text?.format
  if (format != null && format.type !== 'text') chat.response_format = toResponseFormat(format)
  if (body.text?.verbosity != null) chat.verbosity = body.text.verbosity
  if (body.reasoning?.effort != null) chat.reasoning_effort = body.reasoning.effort
  if (body.max_output_tokens != null) chat.max_completion_tokens = body.max_output_tokens
  if (body.temperature != null) chat.temperature = body.temperature
  if (body.top_p != null) chat.top_p = body.top_p
  if (body.user != null) chat.user = body.user
  if (body.stream === true) {
    chat.stream = true
    chat.stream_options = { include_usage: true }
  }
  return chat
}

function refuseNativeOnly(body: ResponsesRequest): void {
  if (body.previous_response_id != null) {
    throw new WardenError(
      'invalid_request_error',
      `previous_response_id needs stored responses, which Warden does not keep when it translates to chat completions; ${NATIVE_ONLY}, or send the whole conversation as input.`,
      { param: 'previous_response_id' },
    )
  }
  for (const field of ['background', 'conversation', 'prompt'] as const) {
    const value = body[field]
    if (value != null && value !== false) {
      throw new WardenError(
        'invalid_request_error',
        `'${field}' is not translated to chat completions; ${NATIVE_ONLY}.`,
        { param: field },
      )
    }
  }
  const tools = body.tools ?? []
  tools.forEach((tool, i) => {
    if (tool.type !== 'function') {
      throw new WardenError(
        'invalid_request_error',
        `The built-in tool '${tool.type}' is not translated to chat completions; only function tools are. Using it ${NATIVE_ONLY}.`,
        { param: `tools[${i}].type` },
      )
    }
  })
}

function toMessages(body: ResponsesRequest): ChatMessage[] {
  const messages: ChatMessage[] = []
  if (body.instructions != null && body.instructions !== '') {
    messages.push({ role: 'system', content: body.instructions })
  }
  const input = body.input ?? []
  if (typeof input === 'string') {
    messages.push({ role: 'user', content: input })
  } else {
    input.forEach((item, i) => appendItem(messages, item, `input[${i}]`))
  }
  if (messages.length === 0) {
    throw new WardenError('invalid_request_error', 'input is required.', { param: 'input' })
  }
  return messages
}

function appendItem(messages: ChatMessage[], item: ResponsesInputItem, param: string): void {
  if (item.type === undefined || item.type === 'message') {
    messages.push({ role: item.role, content: toChatContent(item.role, item.content, param) })
  } else if (item.type === 'function_call') {
    appendToolCall(messages, {
      id: item.call_id,
      type: 'function',
      function: { name: item.name, arguments: item.arguments },
    })
  } else if (item.type === 'function_call_output') {
    const output = item.output
    const content = typeof output === 'string' ? output : joinText(output, `${param}.output`)
    messages.push({ role: 'tool', tool_call_id: item.call_id, content })
  } else {
    throw new WardenError(
      'invalid_request_error',
      `Input items of type '${item.type}' are not translated to chat completions; ${NATIVE_ONLY}.`,
      { param: `${param}.type` },
    )
  }
}

/** Consecutive function calls are one assistant turn with several tool calls, as in chat. */
function appendToolCall(messages: ChatMessage[], toolCall: JsonObject): void {
  const last = messages.at(-1)
  if (last?.role === 'assistant') {
    const calls: unknown[] = Array.isArray(last.tool_calls) ? last.tool_calls : []
    messages[messages.length - 1] = { ...last, tool_calls: [...calls, toolCall] }
    return
  }
  messages.push({ role: 'assistant', content: null, tool_calls: [toolCall] })
}

function toChatContent(
  role: 'user' | 'assistant' | 'system' | 'developer',
  content: string | readonly ContentPart[],
  param: string,
): string | JsonObject[] {
  if (typeof content === 'string') return content
  // Only user turns may hold images and files in chat; every other role takes text.
  if (role !== 'user') return joinText(content, `${param}.content`)
  return content.map((part, j) => toChatPart(part, `${param}.content[${j}]`))
}

function toChatPart(part: ContentPart, param: string): JsonObject {
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      return { type: 'text', text: part.text }
    case 'refusal':
      return { type: 'text', text: part.refusal }
    case 'input_image':
      if (part.image_url == null) throw untranslatedPart('an input_image by file_id', param)
      return {
        type: 'image_url',
        image_url:
          part.detail != null
            ? { url: part.image_url, detail: part.detail }
            : { url: part.image_url },
      }
    case 'input_file':
      if (part.file_url != null) throw untranslatedPart('an input_file by file_url', param)
      return {
        type: 'file',
        file: withoutNulls({
          file_id: part.file_id,
          file_data: part.file_data,
          filename: part.filename,
        }),
      }
    case 'input_audio':
      throw untranslatedPart('input_audio', param)
  }
}

function joinText(parts: readonly ContentPart[], param: string): string {
  return parts
    .map((part, j) => {
      if (part.type === 'input_text' || part.type === 'output_text') return part.text
      if (part.type === 'refusal') return part.refusal
      throw untranslatedPart(`${part.type} here`, `${param}[${j}]`)
    })
    .join('\n')
}

function untranslatedPart(what: string, param: string): WardenError {
  return new WardenError(
    'invalid_request_error',
    `Chat completions cannot take ${what}; ${NATIVE_ONLY}.`,
    { param },
  )
}

function toChatTool(tool: Extract<Tool, { type: 'function' }>): JsonObject {
  return {
    type: 'function',
    function: withoutNulls({
      name: tool.name,
      description: tool.description,
      parameters: tool.parameters,
      strict: tool.strict,
    }),
  }
}

function toChatToolChoice(choice: NonNullable<ResponsesRequest['tool_choice']>): unknown {
  if (typeof choice === 'string') return choice
  if (choice.type === 'function' && choice.name != null) {
    return { type: 'function', function: { name: choice.name } }
  }
  throw new WardenError(
    'invalid_request_error',
    `tool_choice of type '${choice.type}' is not translated to chat completions; ${NATIVE_ONLY}.`,
    { param: 'tool_choice' },
  )
}

function toResponseFormat(
  format: Exclude<NonNullable<NonNullable<ResponsesRequest['text']>['format']>, { type: 'text' }>,
): JsonObject {
  if (format.type === 'json_object') return { type: 'json_object' }
  return {
    type: 'json_schema',
    json_schema: withoutNulls({
      name: format.name,
      schema: format.schema,
      description: format.description,
      strict: format.strict,
    }),
  }
}

function withoutNulls(fields: JsonObject): JsonObject {
  const out: JsonObject = {}
  for (const [key, value] of Object.entries(fields)) if (value != null) out[key] = value
  return out
}
