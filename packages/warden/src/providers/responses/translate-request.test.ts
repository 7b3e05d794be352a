import type OpenAI from 'openai'
import { describe, expect, it } from 'vitest'
import { responsesRequestSchema } from './responses-request.js'
import { WardenError } from '../../domain/index.js'
import { toChatCompletionRequest } from './translate-request.js'

/** Parses a body the way the route will, typed as the official client sends it. */
function parse(body: OpenAI.Responses.ResponseCreateParams) {
  return responsesRequestSchema.parse(body)
}

function refusal(body: OpenAI.Responses.ResponseCreateParams): WardenError {
  try {
    toChatCompletionRequest(parse(body), 'up-model')
  } catch (error) {
    if (error instanceof WardenError) return error
    throw error
  }
  throw new Error('expected a refusal')
}

describe('toChatCompletionRequest', () => {
  it('turns a string input into one user message for the upstream model', () => {
    const chat = toChatCompletionRequest(parse({ model: 'public', input: 'Hi' }), 'up-model')
    expect(chat).toEqual({ model: 'up-model', messages: [{ role: 'user', content: 'Hi' }] })
  })

  it('puts instructions first as a system message and keeps a multi-turn conversation in order', () => {
    const chat = toChatCompletionRequest(
      parse({
        model: 'm',
        instructions: 'Be brief.',
        input: [
          { role: 'developer', content: [{ type: 'input_text', text: 'Answer in French.' }] },
          { role: 'user', content: 'Hello' },
          {
            type: 'message',
            role: 'assistant',
            id: 'msg_1',
            status: 'completed',
            content: [{ type: 'output_text', text: 'Bonjour', annotations: [] }],
          },
          {
            role: 'user',
            content: [
              { type: 'input_text', text: 'What is this?' },
              { type: 'input_image', image_url: 'https://x.test/a.png', detail: 'low' },
            ],
          },
        ],
      }),
      'up',
    )
    expect(chat.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'developer', content: 'Answer in French.' },
      { role: 'user', content: 'Hello' },
      { role: 'assistant', content: 'Bonjour' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: 'https://x.test/a.png', detail: 'low' } },
        ],
      },
    ])
  })

  it('folds consecutive function calls into one assistant turn and outputs into tool messages', () => {
    const chat = toChatCompletionRequest(
      parse({
        model: 'm',
        input: [
          { role: 'user', content: 'Weather in Paris and Oslo?' },
          { type: 'function_call', call_id: 'call_a', name: 'weather', arguments: '{"c":"Paris"}' },
          { type: 'function_call', call_id: 'call_b', name: 'weather', arguments: '{"c":"Oslo"}' },
          { type: 'function_call_output', call_id: 'call_a', output: '18C' },
          {
            type: 'function_call_output',
            call_id: 'call_b',
            output: [{ type: 'input_text', text: '4C' }],
          },
        ],
        tools: [
          {
            type: 'function',
            name: 'weather',
            description: 'Current weather',
            parameters: { type: 'object', properties: { c: { type: 'string' } } },
            strict: true,
          },
        ],
        tool_choice: { type: 'function', name: 'weather' },
        parallel_tool_calls: false,
      }),
      'up',
    )
    expect(chat.messages).toEqual([
      { role: 'user', content: 'Weather in Paris and Oslo?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_a',
            type: 'function',
            function: { name: 'weather', arguments: '{"c":"Paris"}' },
          },
          {
            id: 'call_b',
            type: 'function',
            function: { name: 'weather', arguments: '{"c":"Oslo"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_a', content: '18C' },
      { role: 'tool', tool_call_id: 'call_b', content: '4C' },
    ])
    expect(chat.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'weather',
          description: 'Current weather',
          parameters: { type: 'object', properties: { c: { type: 'string' } } },
          strict: true,
        },
      },
    ])
    expect(chat.tool_choice).toEqual({ type: 'function', function: { name: 'weather' } })
    expect(chat.parallel_tool_calls).toBe(false)
  })

  it('maps json_schema output, limits, sampling and streaming to their chat names', () => {
    const chat = toChatCompletionRequest(
      parse({
        model: 'm',
        input: 'List colors',
        text: {
          format: {
            type: 'json_schema',
            name: 'colors',
            schema: { type: 'object', properties: { colors: { type: 'array' } } },
            strict: true,
          },
        },
        max_output_tokens: 200,
        temperature: 0.2,
        top_p: 0.9,
        user: 'u-1',
        stream: true,
        store: true,
        metadata: { team: 'a' },
        reasoning: { effort: 'low' },
      }),
      'up',
    )
    expect(chat).toEqual({
      model: 'up',
      messages: [{ role: 'user', content: 'List colors' }],
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'colors',
          schema: { type: 'object', properties: { colors: { type: 'array' } } },
          strict: true,
        },
      },
      max_completion_tokens: 200,
      temperature: 0.2,
      top_p: 0.9,
      user: 'u-1',
      reasoning_effort: 'low',
      stream: true,
      stream_options: { include_usage: true },
    })
    const json = toChatCompletionRequest(
      parse({ model: 'm', input: 'x', text: { format: { type: 'json_object' } } }),
      'up',
    )
    expect(json.response_format).toEqual({ type: 'json_object' })
  })

  it('refuses built-in tools, naming the tool and the native provider setting', () => {
    const error = refusal({
      model: 'm',
      input: 'x',
      tools: [
        { type: 'function', name: 'f', parameters: null, strict: null },
        { type: 'web_search' },
      ],
    })
    expect(error.code).toBe('invalid_request_error')
    expect(error.status).toBe(400)
    expect(error.param).toBe('tools[1].type')
    expect(error.message).toContain("'web_search'")
    expect(error.message).toContain('responses: native')
  })

  it('refuses previous_response_id, since no response is stored', () => {
    const error = refusal({ model: 'm', input: 'x', previous_response_id: 'resp_1' })
    expect(error.param).toBe('previous_response_id')
    expect(error.message).toContain('responses: native')
  })

  it('refuses input items it cannot translate, naming the item', () => {
    const error = refusal({
      model: 'm',
      input: [
        { role: 'user', content: 'x' },
        { type: 'reasoning', id: 'rs_1', summary: [] },
      ],
    })
    expect(error.param).toBe('input[1].type')
    const image = refusal({
      model: 'm',
      input: [
        { role: 'user', content: [{ type: 'input_image', file_id: 'file_1', detail: 'auto' }] },
      ],
    })
    expect(image.param).toBe('input[0].content[0]')
  })

  it('refuses a request with neither input nor instructions', () => {
    expect(refusal({ model: 'm' }).param).toBe('input')
  })
})

describe('responsesRequestSchema', () => {
  it('names the wrong field of a function call item', () => {
    const result = responsesRequestSchema.safeParse({
      model: 'm',
      input: [{ type: 'function_call', call_id: 'c', arguments: '{}' }],
    })
    expect(result.success).toBe(false)
    expect(result.error?.issues[0]?.path).toEqual(['input', 0, 'name'])
  })

  it('accepts every built-in tool and unknown top-level fields, for native providers', () => {
    const result = responsesRequestSchema.safeParse({
      model: 'm',
      input: 'x',
      tools: [{ type: 'web_search' }, { type: 'code_interpreter', container: { type: 'auto' } }],
      include: ['reasoning.encrypted_content'],
      truncation: 'auto',
    })
    expect(result.success).toBe(true)
  })

  it('rejects a temperature out of range and an unknown item type', () => {
    expect(responsesRequestSchema.safeParse({ model: 'm', temperature: 3 }).success).toBe(false)
    const item = responsesRequestSchema.safeParse({ model: 'm', input: [{ type: 'nope' }] })
    expect(item.error?.issues[0]?.path).toEqual(['input', 0, 'type'])
  })
})
