import { setTimeout as sleep } from 'node:timers/promises'
import { WardenError, type JsonObject } from '../domain/index.js'
import type { Provider } from '../providers/index.js'
import { respondViaChat, streamViaChat } from '../providers/responses/responses-call.js'

/**
 * A scripted provider for unit tests of the stages: no sockets, every answer written by the
 * test. (End-to-end tests use the stub upstream, a real HTTP server, instead.)
 */
export type FakeStep =
  /** Answer a plain call with this body. */
  | { readonly kind: 'json'; readonly body: JsonObject; readonly delayMs?: number }
  /** Answer a stream with these chunks; `failAfter` chunks in, fail with `error`. */
  | {
      readonly kind: 'stream'
      readonly chunks: readonly JsonObject[]
      readonly chunkDelayMs?: number
      readonly failAfter?: number
      readonly error?: WardenError
    }
  /** Fail before answering. */
  | { readonly kind: 'fail'; readonly error: WardenError }
  /** Never answer until the call is cancelled. */
  | { readonly kind: 'hang' }

/** One call the fake received. */
export interface FakeCall {
  readonly method: 'chat' | 'chatStream' | 'completion' | 'completionStream' | 'embed'
  readonly body: JsonObject
}

export interface FakeProvider extends Provider {
  /** Every call, oldest first. */
  readonly calls: FakeCall[]
  /** Steps for the next calls, one each; then `fallback` applies. */
  script(...steps: FakeStep[]): void
  /** Streams whose consumer stopped or finished: how many were closed. */
  readonly closedStreams: number
}

const cancelled = () => new WardenError('request_cancelled', 'The client closed the request.')

/** A chat completion with `content` and usage, in the upstream wire shape. */
export function fakeCompletion(content: string, usage?: { prompt: number; completion: number }) {
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    model: 'fake-model',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    ...(usage
      ? {
          usage: {
            prompt_tokens: usage.prompt,
            completion_tokens: usage.completion,
            total_tokens: usage.prompt + usage.completion,
          },
        }
      : {}),
  }
}

/** Stream chunks of `words`, then a usage-only chunk when `usage` is given. */
export function fakeChunks(
  words: readonly string[],
  usage?: { prompt: number; completion: number },
): JsonObject[] {
  const chunks: JsonObject[] = words.map((word) => ({
    id: 'chatcmpl-fake',
    object: 'chat.completion.chunk',
    model: 'fake-model',
    choices: [{ index: 0, delta: { content: word }, finish_reason: null }],
  }))
  if (usage) {
    chunks.push({
      id: 'chatcmpl-fake',
      object: 'chat.completion.chunk',
      model: 'fake-model',
      choices: [],
      usage: {
        prompt_tokens: usage.prompt,
        completion_tokens: usage.completion,
        total_tokens: usage.prompt + usage.completion,
      },
    })
  }
  return chunks
}

/** A provider that plays back scripted steps; `fallback` answers every unscripted call. */
export function createFakeProvider(
  fallback: FakeStep = { kind: 'json', body: fakeCompletion('fake answer') },
): FakeProvider {
  const queue: FakeStep[] = []
  const calls: FakeCall[] = []
  let closedStreams = 0

  async function waitOrCancel(ms: number | undefined, signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw cancelled()
    if (ms === undefined || ms <= 0) return
    await sleep(ms, undefined, { signal }).catch(() => {
      throw cancelled()
    })
  }

  function next(method: FakeCall['method'], body: JsonObject): FakeStep {
    calls.push({ method, body })
    return queue.shift() ?? fallback
  }

  /** Plays one plain step; the test's script stands for the upstream's wire shape `T`. */
  async function answer<T>(
    method: FakeCall['method'],
    body: JsonObject,
    signal: AbortSignal,
  ): Promise<T> {
    const step = next(method, body)
    if (step.kind === 'fail') throw step.error
    if (step.kind === 'hang') {
      await waitOrCancel(2 ** 31 - 1, signal)
      throw cancelled()
    }
    if (step.kind !== 'json') throw new Error(`scripted ${step.kind} for a plain call`)
    await waitOrCancel(step.delayMs, signal)
    return step.body as T
  }

  /** Plays one stream step; chunks stand for the upstream's chunk shape `T`. */
  async function stream<T>(
    method: FakeCall['method'],
    body: JsonObject,
    signal: AbortSignal,
  ): Promise<AsyncIterable<T>> {
    const step = next(method, body)
    if (step.kind === 'fail') throw step.error
    if (step.kind === 'hang') {
      await waitOrCancel(2 ** 31 - 1, signal)
      throw cancelled()
    }
    if (step.kind !== 'stream') throw new Error(`scripted ${step.kind} for a stream`)
    const played = step
    async function* chunks(): AsyncGenerator<T> {
      try {
        for (const [i, chunk] of played.chunks.entries()) {
          if (played.failAfter === i)
            throw played.error ?? new WardenError('upstream_error', 'broke')
          await waitOrCancel(played.chunkDelayMs, signal)
          yield chunk as T
        }
      } finally {
        closedStreams += 1
      }
    }
    return chunks()
  }

  const provider: FakeProvider = {
    id: 'fake',
    capabilities: { completions: true, embeddings: true, listModels: true },
    calls,
    get closedStreams() {
      return closedStreams
    },
    script: (...steps) => void queue.push(...steps),
    chat: ({ body, signal }) => answer('chat', body, signal),
    chatStream: ({ body, signal }) => stream('chatStream', body, signal),
    completion: ({ body, signal }) => answer('completion', body, signal),
    completionStream: ({ body, signal }) => stream('completionStream', body, signal),
    embed: ({ body, signal }) => answer('embed', body, signal),
    // Translated through the scripted chat calls, as `responses: translate` does.
    responses: (call) => respondViaChat(provider, call),
    responsesStream: (call) => streamViaChat(provider, call),
    listModels: () => Promise.resolve(['fake-model']),
    close: () => Promise.resolve(),
  }
  return provider
}
