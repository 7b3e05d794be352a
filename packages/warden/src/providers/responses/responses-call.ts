import type { ChatCompletion, ChatCompletionChunk, JsonObject } from '../../domain/index.js'
import type { ProviderCall } from '../provider.js'
import type { ResponsesRequest } from './responses-wire.js'
import { toChatCompletionRequest } from './translate-request.js'
import { newResponseId, toResponse } from './translate-response.js'
import { toResponseEvents } from './translate-stream.js'

/** A Responses API call: the client's body, the public model id and the upstream's. */
export interface ResponsesCall extends ProviderCall<ResponsesRequest> {
  /** The id the client asked for; the Response reports it. */
  readonly model: string
  /** The id the upstream knows the model by. */
  readonly upstreamModel: string
}

/** How a provider answers chat completions: what the translation needs of it. */
export interface ChatCalls {
  chat(call: ProviderCall<ReturnType<typeof toChatCompletionRequest>>): Promise<ChatCompletion>
  chatStream(
    call: ProviderCall<ReturnType<typeof toChatCompletionRequest>>,
  ): Promise<AsyncIterable<ChatCompletionChunk>>
}

function contextOf(call: ResponsesCall) {
  return {
    model: call.model,
    request: call.body,
    createdAt: Math.floor(Date.now() / 1000),
    newId: newResponseId,
  }
}

/** `responses: translate`: the Responses API answered through the upstream's chat completions. */
export async function respondViaChat(calls: ChatCalls, call: ResponsesCall): Promise<JsonObject> {
  const body = toChatCompletionRequest(call.body, call.upstreamModel)
  const completion = await calls.chat({ body, signal: call.signal })
  return toResponse(completion, contextOf(call))
}

/** The streamed variant: chat chunks become the Responses API's typed events. */
export async function streamViaChat(
  calls: ChatCalls,
  call: ResponsesCall,
): Promise<AsyncIterable<JsonObject>> {
  const body = toChatCompletionRequest(call.body, call.upstreamModel)
  const chunks = await calls.chatStream({ body, signal: call.signal })
  return toResponseEvents(chunks, contextOf(call))
}
