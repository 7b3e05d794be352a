/**
 * The slices of the OpenAI wire format that Warden reads. Requests keep every field the
 * client sent (Warden forwards what it does not understand), so these types name only the
 * fields Warden itself looks at.
 */

export type JsonObject = { [key: string]: unknown }

export interface Usage {
  readonly prompt_tokens: number
  readonly completion_tokens: number
  readonly total_tokens: number
}

export interface ChatMessage {
  readonly role: string
  readonly content?: unknown
  readonly [key: string]: unknown
}

export interface ChatCompletionRequest extends JsonObject {
  model: string
  messages: ChatMessage[]
  stream?: boolean | null
  stream_options?: { include_usage?: boolean | null; [key: string]: unknown } | null
}

export interface ChatCompletion extends JsonObject {
  id: string
  object: string
  model: string
  choices: Array<{ message?: { content?: string | null } & JsonObject } & JsonObject>
  usage?: Usage | null
}

export interface ChatCompletionChunk extends JsonObject {
  id: string
  object: string
  model: string
  choices: Array<{ delta?: { content?: string | null } & JsonObject } & JsonObject>
  usage?: Usage | null
}

export interface CompletionRequest extends JsonObject {
  model: string
  prompt: unknown
  stream?: boolean | null
  stream_options?: { include_usage?: boolean | null; [key: string]: unknown } | null
}

export interface Completion extends JsonObject {
  id: string
  object: string
  model: string
  choices: Array<{ text?: string } & JsonObject>
  usage?: Usage | null
}

export interface EmbeddingRequest extends JsonObject {
  model: string
  input: unknown
}

export interface EmbeddingResponse extends JsonObject {
  object: string
  data: JsonObject[]
  model: string
  usage?: { prompt_tokens: number; total_tokens: number } | null
}

export interface ModelInfo {
  readonly id: string
  readonly object: 'model'
  readonly created: number
  readonly owned_by: string
}
