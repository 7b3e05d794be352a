/**
 * The slices of the OpenAI Responses API wire format that the translation writes. Field names
 * and optionality follow the `openai` package's types (6.x); the tests check assignability.
 * `output_text` is absent on purpose: the SDKs derive it from `output`, it is not on the wire.
 * Arrays are mutable types only so that values assign to the SDK's types; nothing mutates them.
 */
import type { z } from 'zod'
import type { responsesRequestSchema } from './responses-request.js'

/** A `POST /v1/responses` body as `responsesRequestSchema` accepted it. */
export type ResponsesRequest = z.infer<typeof responsesRequestSchema>

/** One input item of a Responses request. */
export type ResponsesInputItem = Exclude<ResponsesRequest['input'], string | undefined>[number]

/** Text produced by the model. */
export type OutputText = {
  readonly type: 'output_text'
  readonly text: string
  readonly annotations: never[]
  readonly logprobs: never[]
}

/** A refusal produced by the model. */
export type OutputRefusal = {
  readonly type: 'refusal'
  readonly refusal: string
}

/** The assistant's message: text and refusal parts. */
export type OutputMessage = {
  readonly type: 'message'
  readonly id: string
  readonly role: 'assistant'
  readonly status: ItemStatus
  readonly content: Array<OutputText | OutputRefusal>
}

/** A call of one of the client's function tools. */
export type FunctionCallItem = {
  readonly type: 'function_call'
  readonly id: string
  readonly call_id: string
  readonly name: string
  readonly arguments: string
  readonly status: ItemStatus
}

/** An item of `Response.output`. */
export type OutputItem = OutputMessage | FunctionCallItem

/** The status of one output item. */
export type ItemStatus = 'in_progress' | 'completed' | 'incomplete'

/** Token counts in the Responses API's names. */
export type ResponseUsage = {
  readonly input_tokens: number
  readonly input_tokens_details: {
    readonly cached_tokens: number
    readonly cache_write_tokens: number
  }
  readonly output_tokens: number
  readonly output_tokens_details: { readonly reasoning_tokens: number }
  readonly total_tokens: number
}

/** A function tool as a Response echoes it. */
export type ResponseFunctionTool = {
  readonly type: 'function'
  readonly name: string
  readonly description: string | null
  readonly parameters: { readonly [key: string]: unknown } | null
  readonly strict: boolean | null
}

/** `Response.tool_choice`. */
export type ResponseToolChoice =
  'none' | 'auto' | 'required' | { readonly type: 'function'; readonly name: string }

/** `Response.text`. */
export type ResponseTextConfig = {
  readonly format:
    | { readonly type: 'text' }
    | { readonly type: 'json_object' }
    | {
        readonly type: 'json_schema'
        readonly name: string
        readonly schema: { readonly [key: string]: unknown }
        readonly description?: string
        readonly strict?: boolean | null
      }
  readonly verbosity?: 'low' | 'medium' | 'high' | null
}

/** The Response object, as `POST /v1/responses` returns it and stream events carry it. */
export type ResponseObject = {
  readonly id: string
  readonly object: 'response'
  readonly created_at: number
  readonly completed_at: number | null
  readonly status: 'in_progress' | 'completed' | 'incomplete'
  readonly incomplete_details: { readonly reason: 'max_output_tokens' | 'content_filter' } | null
  readonly error: null
  readonly model: string
  readonly output: OutputItem[]
  readonly instructions: string | null
  readonly max_output_tokens: number | null
  readonly parallel_tool_calls: boolean
  readonly previous_response_id: null
  readonly reasoning: { readonly effort: ReasoningEffort; readonly summary: ReasoningSummary }
  readonly store: boolean
  readonly temperature: number | null
  readonly top_p: number | null
  readonly text: ResponseTextConfig
  readonly tool_choice: ResponseToolChoice
  readonly tools: ResponseFunctionTool[]
  readonly truncation: 'disabled'
  readonly background: false
  readonly metadata: { readonly [key: string]: string } | null
  readonly user?: string
  readonly usage?: ResponseUsage
}

type ReasoningEffort = NonNullable<NonNullable<ResponsesRequest['reasoning']>['effort']> | null
type ReasoningSummary = NonNullable<NonNullable<ResponsesRequest['reasoning']>['summary']> | null

type Sequenced = {
  readonly sequence_number: number
}

type InItem = Sequenced & {
  readonly item_id: string
  readonly output_index: number
}

type InPart = InItem & {
  readonly content_index: number
}

/** Every event the translated stream emits, in the order the Responses API defines. */
export type ResponseStreamEvent =
  | (Sequenced & {
      readonly type:
        'response.created' | 'response.in_progress' | 'response.completed' | 'response.incomplete'
      readonly response: ResponseObject
    })
  | (Sequenced & {
      readonly type: 'response.output_item.added' | 'response.output_item.done'
      readonly output_index: number
      readonly item: OutputItem
    })
  | (InPart & {
      readonly type: 'response.content_part.added' | 'response.content_part.done'
      readonly part: OutputText | OutputRefusal
    })
  | (InPart & {
      readonly type: 'response.output_text.delta'
      readonly delta: string
      readonly logprobs: never[]
    })
  | (InPart & {
      readonly type: 'response.output_text.done'
      readonly text: string
      readonly logprobs: never[]
    })
  | (InPart & { readonly type: 'response.refusal.delta'; readonly delta: string })
  | (InPart & { readonly type: 'response.refusal.done'; readonly refusal: string })
  | (InItem & { readonly type: 'response.function_call_arguments.delta'; readonly delta: string })
  | (InItem & {
      readonly type: 'response.function_call_arguments.done'
      readonly name: string
      readonly arguments: string
    })

/** Makes the ids of a response and its items: `resp_…`, `msg_…`, `fc_…`, `call_…`. */
export type IdFactory = (prefix: 'resp' | 'msg' | 'fc' | 'call') => string

/** What a translated response needs beyond the upstream's completion. */
export interface ResponseContext {
  /** The model id the client asked for (not the upstream's). */
  readonly model: string
  /** The request as the client sent it; the Response echoes its settings. */
  readonly request: ResponsesRequest
  /** Unix seconds at which the request was accepted. */
  readonly createdAt: number
  /** Makes fresh ids; inject a counter in tests. */
  readonly newId: IdFactory
  /** Unix seconds now, for `completed_at`; the system clock when absent. */
  readonly now?: () => number
}
