import type { z } from 'zod'
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  Completion,
  CompletionRequest,
  EmbeddingRequest,
  EmbeddingResponse,
  JsonObject,
} from '../domain/index.js'
import type { ResponsesCall } from './responses/responses-call.js'

/** One call to an upstream: the body in the OpenAI wire format and a cancel signal. */
export interface ProviderCall<Body> {
  readonly body: Body
  readonly signal: AbortSignal
}

/** What a provider can do beyond chat, declared as data. */
export interface ProviderCapabilities {
  readonly completions: boolean
  readonly embeddings: boolean
  readonly listModels: boolean
}

/**
 * An upstream that serves models. Adapters translate to and from the OpenAI wire format;
 * a failure is a thrown WardenError (`upstream_error`, `upstream_timeout`, `upstream_rejected`,
 * `upstream_rate_limited`). A stream is returned once the upstream accepted the call, so an
 * error before that can still be answered with a status; retries happen only before it.
 */
export interface Provider {
  readonly id: string
  readonly capabilities: ProviderCapabilities
  chat(call: ProviderCall<ChatCompletionRequest>): Promise<ChatCompletion>
  chatStream(call: ProviderCall<ChatCompletionRequest>): Promise<AsyncIterable<ChatCompletionChunk>>
  completion(call: ProviderCall<CompletionRequest>): Promise<Completion>
  completionStream(call: ProviderCall<CompletionRequest>): Promise<AsyncIterable<Completion>>
  embed(call: ProviderCall<EmbeddingRequest>): Promise<EmbeddingResponse>
  /** The Responses API: a Response object, natively or translated through chat completions. */
  responses(call: ResponsesCall): Promise<JsonObject>
  /** The streamed Responses API: its typed events (`response.created`, …), in order. */
  responsesStream(call: ResponsesCall): Promise<AsyncIterable<JsonObject>>
  /** The upstream's own model ids. */
  listModels(signal: AbortSignal): Promise<string[]>
  close(): Promise<void>
}

/** What a provider may use besides its options; built once in `services.ts`. */
export interface ProviderDeps {
  /** The clock, for adapters that keep time (caches, backoff). */
  readonly now: () => number
}

/**
 * A kind of provider: the `kind` a config entry names, its own options schema (the config
 * schema is derived from these), and how to build one. Adding a kind is one file and one line
 * in the registry (`providers/index.ts`).
 */
export interface ProviderKind<Shape extends z.ZodRawShape = z.ZodRawShape> {
  readonly kind: string
  /** The kind's settings; credentials use `secretString()` from `config/`. */
  readonly options: z.ZodObject<Shape>
  /** Builds one provider; must not reveal secrets (they are read when first used). */
  create(id: string, options: z.output<z.ZodObject<Shape>>, deps: ProviderDeps): Provider
}
