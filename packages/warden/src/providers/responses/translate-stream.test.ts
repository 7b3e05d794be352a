import OpenAI from 'openai'
import { describe, expect, it } from 'vitest'
import { responsesRequestSchema } from './responses-request.js'
import type { ChatCompletionChunk } from '../../domain/index.js'
import type { IdFactory, ResponseContext, ResponseStreamEvent } from './responses-wire.js'
import { toResponseEvents } from './translate-stream.js'

/** An event as it travels: its Response lacks `output_text`, which the SDK derives. */
type WireEvent<E> = E extends { response: infer R }
  ? Omit<E, 'response'> & { response: Omit<R, 'output_text'> }
  : E

/** Ids `resp_1`, `msg_2`, … so that expectations are exact. */
function countingIds(): IdFactory {
  let n = 0
  return (prefix) => `${prefix}_${++n}`
}

function context(request: OpenAI.Responses.ResponseCreateParams = { model: 'm', input: 'Hi' }) {
  const value: ResponseContext = {
    model: 'public-model',
    request: responsesRequestSchema.parse(request),
    createdAt: 1_700_000_000,
    now: () => 1_700_000_001,
    newId: countingIds(),
  }
  return value
}

function chunk(delta: Record<string, unknown>, finish_reason: string | null = null) {
  const value: ChatCompletionChunk = {
    id: 'c',
    object: 'chat.completion.chunk',
    model: 'up',
    choices: [{ index: 0, delta, finish_reason }],
  }
  return value
}

const usageChunk: ChatCompletionChunk = {
  id: 'c',
  object: 'chat.completion.chunk',
  model: 'up',
  choices: [],
  usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 },
}

async function* source(items: readonly ChatCompletionChunk[]): AsyncGenerator<ChatCompletionChunk> {
  for (const item of items) {
    await Promise.resolve()
    yield item
  }
}

async function collect(events: AsyncIterable<ResponseStreamEvent>) {
  const out: Array<WireEvent<OpenAI.Responses.ResponseStreamEvent>> = []
  for await (const event of events) out.push(event)
  return out
}

const textChunks = [
  chunk({ role: 'assistant', content: '' }),
  chunk({ content: 'Hel' }),
  chunk({ content: 'lo' }),
  chunk({}, 'stop'),
  usageChunk,
]

const toolChunks = [
  chunk({
    role: 'assistant',
    tool_calls: [
      { index: 0, id: 'call_p', type: 'function', function: { name: 'weather', arguments: '' } },
    ],
  }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
  chunk({
    tool_calls: [
      { index: 1, id: 'call_o', type: 'function', function: { name: 'weather', arguments: '{}' } },
    ],
  }),
  chunk({}, 'tool_calls'),
  usageChunk,
]

describe('toResponseEvents', () => {
  it('streams text as the Responses API does, numbering every event in order', async () => {
    const events = await collect(toResponseEvents(source(textChunks), context()))
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ])
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i))
    expect(events[4]).toEqual({
      type: 'response.output_text.delta',
      sequence_number: 4,
      item_id: 'msg_2',
      output_index: 0,
      content_index: 0,
      delta: 'Hel',
      logprobs: [],
    })
    expect(events[6]).toMatchObject({ text: 'Hello', item_id: 'msg_2' })
    const completed = events.at(-1)
    expect(completed).toMatchObject({
      type: 'response.completed',
      response: {
        id: 'resp_1',
        status: 'completed',
        model: 'public-model',
        output: [{ type: 'message', id: 'msg_2', status: 'completed' }],
        usage: { input_tokens: 9, output_tokens: 2, total_tokens: 11 },
      },
    })
    expect(events[0]).toMatchObject({
      response: { id: 'resp_1', status: 'in_progress', output: [] },
    })
  })

  it('streams each tool call as its own function_call item with argument deltas', async () => {
    const events = await collect(toResponseEvents(source(toolChunks), context()))
    expect(events.map((e) => [e.type, 'output_index' in e ? e.output_index : null])).toEqual([
      ['response.created', null],
      ['response.in_progress', null],
      ['response.output_item.added', 0],
      ['response.function_call_arguments.delta', 0],
      ['response.function_call_arguments.delta', 0],
      ['response.output_item.added', 1],
      ['response.function_call_arguments.delta', 1],
      ['response.function_call_arguments.done', 0],
      ['response.output_item.done', 0],
      ['response.function_call_arguments.done', 1],
      ['response.output_item.done', 1],
      ['response.completed', null],
    ])
    expect(events[2]).toMatchObject({
      item: { type: 'function_call', call_id: 'call_p', name: 'weather', arguments: '' },
    })
    expect(events[7]).toMatchObject({ name: 'weather', arguments: '{"city":"Paris"}' })
    expect(events.at(-1)).toMatchObject({
      response: {
        output: [
          { type: 'function_call', call_id: 'call_p', arguments: '{"city":"Paris"}' },
          { type: 'function_call', call_id: 'call_o', arguments: '{}' },
        ],
      },
    })
  })

  it('ends with response.incomplete when the upstream stopped at its length limit', async () => {
    const events = await collect(
      toResponseEvents(source([chunk({ content: 'Once' }, 'length'), usageChunk]), context()),
    )
    expect(events.at(-1)).toMatchObject({
      type: 'response.incomplete',
      response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } },
    })
  })

  it('closes the upstream when the consumer stops early', async () => {
    let closed = false
    async function* upstream() {
      try {
        yield* source(textChunks)
      } finally {
        closed = true
      }
    }
    const seen: string[] = []
    for await (const event of toResponseEvents(upstream(), context())) {
      seen.push(event.type)
      if (event.type === 'response.output_text.delta') break
    }
    expect(seen.at(-1)).toBe('response.output_text.delta')
    expect(closed).toBe(true)
  })

  it('emits nothing more and rethrows when the upstream fails mid-stream', async () => {
    async function* failing() {
      yield* source([chunk({ content: 'Hi' })])
      throw new Error('upstream reset')
    }
    const seen: string[] = []
    const error = await (async () => {
      for await (const event of toResponseEvents(failing(), context())) seen.push(event.type)
    })().catch((e: unknown) => e)
    expect(error).toMatchObject({ message: 'upstream reset' })
    expect(seen.at(-1)).toBe('response.output_text.delta')
  })

  it('is read by the official client: the stream helper rebuilds the text and usage', async () => {
    const client = clientServing(toResponseEvents(source(textChunks), context()))
    const stream = client.responses.stream({ model: 'public-model', input: 'Hi' })
    const final = await stream.finalResponse()
    expect(final.output_text).toBe('Hello')
    expect(final.usage?.input_tokens).toBe(9)
  })

  it('is read by the official client: function calls arrive complete', async () => {
    const client = clientServing(toResponseEvents(source(toolChunks), context()))
    const final = await client.responses
      .stream({ model: 'public-model', input: 'x' })
      .finalResponse()
    expect(final.output.map((item) => item.type === 'function_call' && item.arguments)).toEqual([
      '{"city":"Paris"}',
      '{}',
    ])
  })
})

/** An OpenAI client whose transport answers with these events as server-sent events. */
function clientServing(events: AsyncIterable<ResponseStreamEvent>): OpenAI {
  const encoder = new TextEncoder()
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      for await (const event of events) {
        controller.enqueue(
          encoder.encode(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`),
        )
      }
      controller.close()
    },
  })
  return new OpenAI({
    apiKey: 'test',
    baseURL: 'http://warden.test/v1',
    fetch: () =>
      Promise.resolve(new Response(body, { headers: { 'content-type': 'text/event-stream' } })),
  })
}
