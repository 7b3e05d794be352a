/**
 * The OpenAI Responses API served by a chat completions upstream: pure translations of the
 * request, the response and the stream. See README.md for what is and is not translated.
 */
export { toChatCompletionRequest } from './translate-request.js'
export { newResponseId, responseUsage, toResponse } from './translate-response.js'
export { toResponseEvents } from './translate-stream.js'
export type {
  IdFactory,
  ResponseContext,
  ResponseObject,
  ResponseStreamEvent,
  ResponsesRequest,
} from './responses-wire.js'
