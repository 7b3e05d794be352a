import { WardenError, type JsonObject } from '../domain/index.js'

type Choice = {
  index?: number
  message?: JsonObject
  text?: unknown
  finish_reason?: unknown
  logprobs?: unknown
}

/** The chunks a chat completion or a legacy completion would have streamed. */
function completionChunks(value: JsonObject): JsonObject[] {
  const chat = value.object === 'chat.completion'
  const base = {
    id: value.id,
    object: chat ? 'chat.completion.chunk' : 'text_completion',
    created: value.created,
    model: value.model,
    ...(value.system_fingerprint !== undefined
      ? { system_fingerprint: value.system_fingerprint }
      : {}),
  }
  const choices = Array.isArray(value.choices) ? (value.choices as Choice[]) : []
  const chunks: JsonObject[] = [
    {
      ...base,
      choices: choices.map((choice, i) =>
        chat
          ? {
              index: choice.index ?? i,
              delta: { role: 'assistant', ...choice.message },
              logprobs: choice.logprobs ?? null,
              finish_reason: choice.finish_reason ?? 'stop',
            }
          : {
              index: choice.index ?? i,
              text: typeof choice.text === 'string' ? choice.text : '',
              logprobs: choice.logprobs ?? null,
              finish_reason: choice.finish_reason ?? 'stop',
            },
      ),
    },
  ]
  if (value.usage != null) chunks.push({ ...base, choices: [], usage: value.usage })
  return chunks
}

/** The events a Response would have streamed, reduced to its start and its end. */
function responseEvents(value: JsonObject): JsonObject[] {
  const done = value.status === 'incomplete' ? 'response.incomplete' : 'response.completed'
  return [
    {
      type: 'response.created',
      sequence_number: 0,
      response: { ...value, status: 'in_progress', output: [] },
    },
    { type: done, sequence_number: 1, response: value },
  ]
}

/**
 * An upstream asked to stream that answered with one plain JSON body instead (some servers
 * ignore `stream: true`): the same answer as the stream it would have sent, so the client gets
 * a proper stream, never an empty successful one.
 */
export function jsonAsStream(value: unknown, upstream: string): AsyncIterable<JsonObject> {
  const body = value as JsonObject
  let chunks: JsonObject[]
  if (body.object === 'chat.completion' || body.object === 'text_completion') {
    chunks = completionChunks(body)
  } else if (body.object === 'response') {
    chunks = responseEvents(body)
  } else {
    throw new WardenError(
      'upstream_error',
      `The upstream "${upstream}" answered a stream request with something other than a stream.`,
    )
  }
  return {
    [Symbol.asyncIterator]: () => {
      let next = 0
      return {
        next: (): Promise<IteratorResult<JsonObject>> =>
          Promise.resolve(
            next < chunks.length
              ? { done: false, value: chunks[next++] as JsonObject }
              : { done: true, value: undefined },
          ),
      }
    },
  }
}
