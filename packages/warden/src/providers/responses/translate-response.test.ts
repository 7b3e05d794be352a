import type OpenAI from 'openai'
import { describe, expect, it } from 'vitest'
import { responsesRequestSchema } from './responses-request.js'
import type { ChatCompletion } from '../../domain/index.js'
import type { IdFactory, ResponseContext } from './responses-wire.js'
import { responseUsage, toResponse } from './translate-response.js'

/** The Response as it travels: the SDK adds `output_text` itself after reading it. */
type WireResponse = Omit<OpenAI.Responses.Response, 'output_text'>

/** Ids `resp_1`, `msg_2`, … so that expectations are exact. */
function countingIds(): IdFactory {
  let n = 0
  return (prefix) => `${prefix}_${++n}`
}

function context(request: OpenAI.Responses.ResponseCreateParams): ResponseContext {
  return {
    model: 'public-model',
    request: responsesRequestSchema.parse(request),
    createdAt: 1_700_000_000,
    now: () => 1_700_000_002,
    newId: countingIds(),
  }
}

function completion(
  message: ChatCompletion['choices'][number]['message'],
  finish_reason = 'stop',
): ChatCompletion {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    model: 'upstream-model',
    choices: [{ index: 0, message, finish_reason }],
    usage: upstreamUsage,
  }
}

/** OpenAI's usage, with the details that the domain type does not name. */
const upstreamUsage = {
  prompt_tokens: 12,
  completion_tokens: 5,
  total_tokens: 17,
  prompt_tokens_details: { cached_tokens: 4 },
}

describe('toResponse', () => {
  it('returns a completed Response with the text as one message and usage in Responses names', () => {
    const response: WireResponse = toResponse(
      completion({ role: 'assistant', content: 'Hello there' }),
      context({ model: 'public-model', input: 'Hi', instructions: 'Be kind', temperature: 0.5 }),
    )
    expect(response).toMatchObject({
      object: 'response',
      status: 'completed',
      created_at: 1_700_000_000,
      completed_at: 1_700_000_002,
      model: 'public-model',
      error: null,
      incomplete_details: null,
      instructions: 'Be kind',
      temperature: 0.5,
      top_p: null,
      tools: [],
      tool_choice: 'auto',
      parallel_tool_calls: true,
      text: { format: { type: 'text' } },
      output: [
        {
          type: 'message',
          role: 'assistant',
          status: 'completed',
          content: [{ type: 'output_text', text: 'Hello there', annotations: [], logprobs: [] }],
        },
      ],
      usage: {
        input_tokens: 12,
        input_tokens_details: { cached_tokens: 4, cache_write_tokens: 0 },
        output_tokens: 5,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 17,
      },
    })
    expect(response.id).toMatch(/^resp_/)
    expect(response.output[0]?.id).toMatch(/^msg_/)
    expect(response).not.toHaveProperty('output_text')
  })

  it('turns tool calls into function_call items whose call_id the client answers with', () => {
    const response: WireResponse = toResponse(
      completion(
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_abc',
              type: 'function',
              function: { name: 'weather', arguments: '{"city":"Paris"}' },
            },
          ],
        },
        'tool_calls',
      ),
      context({
        model: 'm',
        input: 'Weather?',
        tools: [{ type: 'function', name: 'weather', parameters: null, strict: true }],
      }),
    )
    expect(response.status).toBe('completed')
    expect(response.output).toEqual([
      {
        type: 'function_call',
        id: expect.stringMatching(/^fc_/) as string,
        call_id: 'call_abc',
        name: 'weather',
        arguments: '{"city":"Paris"}',
        status: 'completed',
      },
    ])
    expect(response.tools).toEqual([
      { type: 'function', name: 'weather', description: null, parameters: null, strict: true },
    ])
  })

  it('is incomplete with reason max_output_tokens when the upstream hit its length limit', () => {
    const response: WireResponse = toResponse(
      completion({ role: 'assistant', content: 'Once upon a' }, 'length'),
      context({ model: 'm', input: 'Story', max_output_tokens: 3 }),
    )
    expect(response.status).toBe('incomplete')
    expect(response.incomplete_details).toEqual({ reason: 'max_output_tokens' })
    expect(response.max_output_tokens).toBe(3)
    expect(response.output[0]).toMatchObject({ type: 'message', status: 'incomplete' })
  })

  it('is incomplete with reason content_filter when the upstream filtered the output', () => {
    const response = toResponse(
      completion({ role: 'assistant', content: '' }, 'content_filter'),
      context({ model: 'm', input: 'x' }),
    )
    expect(response.incomplete_details).toEqual({ reason: 'content_filter' })
  })

  it('keeps a refusal as a refusal part and echoes a json_schema format', () => {
    const format = {
      type: 'json_schema' as const,
      name: 'answer',
      schema: { type: 'object' },
      strict: true,
    }
    const response: WireResponse = toResponse(
      completion({ role: 'assistant', content: null, refusal: 'I cannot help with that.' }),
      context({ model: 'm', input: 'x', text: { format } }),
    )
    expect(response.output[0]).toMatchObject({
      type: 'message',
      content: [{ type: 'refusal', refusal: 'I cannot help with that.' }],
    })
    expect(response.text).toEqual({ format })
  })
})

describe('responseUsage', () => {
  it('reads the token counts of a Response and of its completed or incomplete event', () => {
    const response = toResponse(
      completion({ role: 'assistant', content: 'ok' }),
      context({ model: 'm', input: 'x' }),
    )
    const counts = { input_tokens: 12, output_tokens: 5 }
    expect(responseUsage(response)).toEqual(counts)
    expect(responseUsage({ type: 'response.completed', response })).toEqual(counts)
    expect(responseUsage({ type: 'response.incomplete', response })).toEqual(counts)
  })

  it('is null for other events, for a Response without usage, and for junk', () => {
    const response = toResponse(
      { ...completion({ role: 'assistant', content: 'ok' }), usage: null },
      context({ model: 'm', input: 'x' }),
    )
    expect(responseUsage(response)).toBeNull()
    expect(responseUsage({ type: 'response.created', response })).toBeNull()
    expect(responseUsage({ type: 'response.output_text.delta', delta: 'x' })).toBeNull()
    expect(responseUsage(null)).toBeNull()
    expect(responseUsage('resp')).toBeNull()
  })
})
