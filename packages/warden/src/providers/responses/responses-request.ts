import { z } from 'zod'

/** A public model id, as every endpoint checks it. */
export const modelIdSchema = z
  .string()
  .min(1, 'model is required')
  .max(256)
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'model must not hold control characters')

/**
 * The Responses API (`POST /v1/responses`). What Warden translates to chat completions is checked
 * field by field; the other item, part and tool types of the API (as of openai 6.49) are
 * recognised by name and pass untouched, for providers that speak the Responses API natively.
 */
/**
 * A string or an array of `item`. A plain `z.union` would report a wrong array element as
 * "invalid input" at the array itself; this keeps the element's own path and message.
 */
function stringOrArrayOf<T extends z.ZodType>(item: T) {
  const array = z.array(item)
  return z
    .custom<string | z.output<typeof array>>(
      (value) => typeof value === 'string' || Array.isArray(value),
      'expected a string or an array',
    )
    .superRefine((value, ctx) => {
      if (typeof value === 'string') return
      const result = array.safeParse(value)
      for (const issue of result.error?.issues ?? []) {
        ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path, input: value })
      }
    })
}

const textPart = (type: 'input_text' | 'output_text') =>
  z.looseObject({ type: z.literal(type), text: z.string() })

const responsesContentPart = z.discriminatedUnion('type', [
  textPart('input_text'),
  textPart('output_text'),
  z.looseObject({ type: z.literal('refusal'), refusal: z.string() }),
  z
    .looseObject({
      type: z.literal('input_image'),
      image_url: z.string().min(1).nullish(),
      file_id: z.string().min(1).nullish(),
      detail: z.enum(['low', 'high', 'auto', 'original']).nullish(),
    })
    .refine((part) => part.image_url != null || part.file_id != null, {
      message: 'input_image needs image_url or file_id',
      path: ['image_url'],
    }),
  z.looseObject({
    type: z.literal('input_file'),
    file_id: z.string().min(1).nullish(),
    file_data: z.string().min(1).nullish(),
    file_url: z.string().min(1).nullish(),
    filename: z.string().nullish(),
  }),
  z.looseObject({ type: z.literal(['input_audio']) }),
])

const responsesMessageItem = z.looseObject({
  type: z.literal('message').optional(),
  role: z.enum(['user', 'assistant', 'system', 'developer']),
  content: stringOrArrayOf(responsesContentPart),
})

const responsesFunctionCallItem = z.looseObject({
  type: z.literal('function_call'),
  call_id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string(),
})

const responsesFunctionCallOutputItem = z.looseObject({
  type: z.literal('function_call_output'),
  call_id: z.string().min(1),
  output: stringOrArrayOf(responsesContentPart),
})

/** Input item types Warden recognises but does not translate to chat completions. */
export const RESPONSES_NATIVE_ITEM_TYPES = [
  'file_search_call',
  'computer_call',
  'computer_call_output',
  'web_search_call',
  'tool_search_call',
  'tool_search_output',
  'additional_tools',
  'reasoning',
  'compaction',
  'compaction_trigger',
  'image_generation_call',
  'code_interpreter_call',
  'local_shell_call',
  'local_shell_call_output',
  'shell_call',
  'shell_call_output',
  'apply_patch_call',
  'apply_patch_call_output',
  'mcp_list_tools',
  'mcp_approval_request',
  'mcp_approval_response',
  'mcp_call',
  'custom_tool_call',
  'custom_tool_call_output',
  'item_reference',
  'program',
  'program_output',
] as const

const responsesInputItem = z.discriminatedUnion('type', [
  responsesMessageItem,
  responsesFunctionCallItem,
  responsesFunctionCallOutputItem,
  z.looseObject({ type: z.literal(RESPONSES_NATIVE_ITEM_TYPES) }),
])

/** Built-in (hosted) tool types of the Responses API; only `function` tools are translated. */
export const RESPONSES_BUILT_IN_TOOL_TYPES = [
  'file_search',
  'web_search',
  'web_search_2025_08_26',
  'web_search_preview',
  'web_search_preview_2025_03_11',
  'computer',
  'computer_use_preview',
  'code_interpreter',
  'image_generation',
  'mcp',
  'local_shell',
  'shell',
  'apply_patch',
  'custom',
  'namespace',
  'tool_search',
  'programmatic_tool_calling',
] as const

const responsesTool = z.discriminatedUnion('type', [
  z.looseObject({
    type: z.literal('function'),
    name: z
      .string()
      .regex(/^[a-zA-Z0-9_-]{1,64}$/, 'a function name is 1 to 64 letters, digits, _ or -'),
    description: z.string().nullish(),
    parameters: z.record(z.string(), z.unknown()).nullish(),
    strict: z.boolean().nullish(),
  }),
  z.looseObject({ type: z.literal(RESPONSES_BUILT_IN_TOOL_TYPES) }),
])

const responsesToolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.looseObject({ type: z.string().min(1), name: z.string().min(1).optional() }),
])

const responsesTextFormat = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({
    type: z.literal('json_schema'),
    name: z
      .string()
      .regex(/^[a-zA-Z0-9_-]{1,64}$/, 'a schema name is 1 to 64 letters, digits, _ or -'),
    schema: z.record(z.string(), z.unknown()),
    description: z.string().nullish(),
    strict: z.boolean().nullish(),
  }),
])

export const responsesRequestSchema = z.looseObject({
  model: modelIdSchema,
  input: stringOrArrayOf(responsesInputItem).optional(),
  instructions: z.string().nullish(),
  max_output_tokens: z.number().int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  tools: z.array(responsesTool).nullish(),
  tool_choice: responsesToolChoice.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  text: z
    .looseObject({
      format: responsesTextFormat.nullish(),
      verbosity: z.enum(['low', 'medium', 'high']).nullish(),
    })
    .nullish(),
  stream: z.boolean().nullish(),
  store: z.boolean().nullish(),
  previous_response_id: z.string().min(1).nullish(),
  metadata: z.record(z.string().max(64), z.string().max(512)).nullish(),
  user: z.string().max(512).nullish(),
  reasoning: z
    .looseObject({
      effort: z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max']).nullish(),
      summary: z.enum(['auto', 'concise', 'detailed']).nullish(),
    })
    .nullish(),
})
