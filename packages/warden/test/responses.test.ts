import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, type Harness } from '../src/testing/warden-harness.js'

const CONTENT = 'Hello from the stub upstream.'

async function usageRows(h: Harness) {
  await h.services.usage.flush()
  return h.services.store.db
    .selectFrom('usage_event')
    .selectAll()
    .where('endpoint', '=', 'responses')
    .orderBy('at')
    .execute()
}

describe.each(['translate', 'native'] as const)(
  'the Responses API through Warden (responses: %s)',
  (mode) => {
    let h: Harness
    let client: OpenAI

    beforeAll(async () => {
      h = await startHarness({ provider: { responses: mode } })
      client = new OpenAI({ apiKey: await h.createKey(), baseURL: h.baseURL, maxRetries: 0 })
    })
    afterAll(async () => {
      await h.close()
    })

    it('answers responses.create with the upstream text and records its usage', async () => {
      const before = h.stub.requests.length
      const response = await client.responses.create({
        model: 'stub-model',
        instructions: 'Be brief.',
        input: 'Say hello',
      })
      expect(response.object).toBe('response')
      expect(response.status).toBe('completed')
      expect(response.model).toBe('stub-model')
      expect(response.output_text).toBe(CONTENT)
      // The first call also reads the upstream's model list.
      const sent = h.stub.requests.slice(before).filter((r) => r.path !== '/v1/models')
      if (mode === 'translate') {
        expect(sent.map((r) => r.path)).toEqual(['/v1/chat/completions'])
        expect(sent[0]?.body).toMatchObject({
          model: 'stub-model',
          messages: [
            { role: 'system', content: 'Be brief.' },
            { role: 'user', content: 'Say hello' },
          ],
        })
      } else {
        expect(sent.map((r) => r.path)).toEqual(['/v1/responses'])
        expect(sent[0]?.body).toMatchObject({ model: 'stub-model', input: 'Say hello' })
      }
      const row = (await usageRows(h)).at(-1)
      expect(row).toMatchObject({
        endpoint: 'responses',
        model: 'stub-model',
        status: 200,
        outcome: 'ok',
        tokens_source: 'upstream',
        completion_tokens: 5,
      })
    })

    it('streams typed events that the official client reads', async () => {
      const stream = await client.responses.create({
        model: 'stub-model',
        input: 'Say hello',
        stream: true,
      })
      const types: string[] = []
      let text = ''
      let completed: OpenAI.Responses.Response | null = null
      for await (const event of stream) {
        types.push(event.type)
        if (event.type === 'response.output_text.delta') text += event.delta
        if (event.type === 'response.completed') completed = event.response
      }
      expect(types[0]).toBe('response.created')
      expect(types.at(-1)).toBe('response.completed')
      expect(types).toContain('response.output_text.delta')
      expect(text).toBe(CONTENT)
      expect(completed?.usage?.output_tokens).toBe(5)
      const row = (await usageRows(h)).at(-1)
      expect(row).toMatchObject({ stream: 1, outcome: 'ok', completion_tokens: 5 })
    })

    it('refuses a model outside the key allow-list, as the other endpoints do', async () => {
      const narrow = new OpenAI({
        apiKey: await h.createKey({ models: ['stub-embedder'] }),
        baseURL: h.baseURL,
        maxRetries: 0,
      })
      await expect(
        narrow.responses.create({ model: 'stub-model', input: 'x' }),
      ).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError)
    })
  },
)

describe('what the Responses translation does not cover', () => {
  let h: Harness
  let client: OpenAI

  beforeAll(async () => {
    h = await startHarness()
    client = new OpenAI({ apiKey: await h.createKey(), baseURL: h.baseURL, maxRetries: 0 })
  })
  afterAll(async () => {
    await h.close()
  })

  it('refuses built-in tools and stored responses with a 400 naming the param', async () => {
    const before = h.stub.requests.length
    const tools = await client.responses
      .create({ model: 'stub-model', input: 'x', tools: [{ type: 'web_search_preview' }] })
      .catch((e: unknown) => e)
    expect(tools).toBeInstanceOf(OpenAI.BadRequestError)
    expect(tools).toMatchObject({ param: 'tools[0].type' })
    expect((tools as Error).message).toMatch(/native/)
    const stored = await client.responses
      .create({ model: 'stub-model', input: 'x', previous_response_id: 'resp_123' })
      .catch((e: unknown) => e)
    expect(stored).toMatchObject({ status: 400, param: 'previous_response_id' })
    expect(h.stub.requests.slice(before).filter((r) => r.path !== '/v1/models')).toEqual([])
  })

  it('answers a function call round trip', async () => {
    h.stub.enqueue({ kind: 'reply', content: 'It is sunny.' })
    const response = await client.responses.create({
      model: 'stub-model',
      input: [
        { role: 'user', content: 'Weather in Paris?' },
        {
          type: 'function_call',
          call_id: 'call_1',
          name: 'weather',
          arguments: '{"city":"Paris"}',
        },
        { type: 'function_call_output', call_id: 'call_1', output: 'sunny' },
      ],
      tools: [
        {
          type: 'function',
          name: 'weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
          strict: false,
        },
      ],
    })
    expect(response.output_text).toBe('It is sunny.')
    const sent = h.stub.requests.at(-1)?.body as { messages: Array<{ role: string }> }
    expect(sent.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool'])
  })
})
