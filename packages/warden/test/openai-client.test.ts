import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testDatabaseKinds } from '../src/testing/databases.js'
import { startHarness, type Harness } from '../src/testing/warden-harness.js'

/** End-to-end: the official `openai` client against a real Warden server and the stub upstream. */
describe.each(testDatabaseKinds(process.env.WARDEN_TEST_DATABASE_URL))(
  'the openai client through Warden on $name',
  (database) => {
    let h: Harness
    let key: string
    let client: OpenAI

    beforeAll(async () => {
      h = await startHarness({ database })
      key = await h.createKey({ org: 'acme', app: 'support-bot' })
      client = new OpenAI({ apiKey: key, baseURL: h.baseURL, maxRetries: 0 })
    })
    afterAll(async () => {
      await h.close()
    })

    async function usageRows() {
      await h.services.usage.flush()
      return h.services.store.db.selectFrom('usage_event').selectAll().orderBy('at').execute()
    }

    it('answers a chat completion with the upstream content and usage', async () => {
      h.stub.enqueue({
        kind: 'reply',
        content: 'Paris is the capital.',
        usage: { prompt_tokens: 11, completion_tokens: 4 },
      })
      const completion = await client.chat.completions.create({
        model: 'stub-model',
        messages: [{ role: 'user', content: 'Capital of France?' }],
      })
      expect(completion.choices[0]?.message.content).toBe('Paris is the capital.')
      expect(completion.usage).toMatchObject({
        prompt_tokens: 11,
        completion_tokens: 4,
        total_tokens: 15,
      })
      const sent = h.stub.requests.at(-1)
      expect(sent?.headers.authorization).toBe('Bearer sk-upstream-secret-abcdef123456')
      expect(sent?.body).toMatchObject({
        model: 'stub-model',
        messages: [{ role: 'user', content: 'Capital of France?' }],
      })
    })

    it('records one usage event with key, app, org, model, tokens and split latency', async () => {
      const org = await h.services.organizations.findOrganization('acme')
      h.stub.enqueue({
        kind: 'reply',
        content: 'ok',
        usage: { prompt_tokens: 21, completion_tokens: 2 },
        delayMs: 30,
      })
      const before = (await usageRows()).length
      await client.chat.completions.create({
        model: 'stub-model',
        messages: [{ role: 'user', content: 'hi' }],
      })
      const rows = await usageRows()
      expect(rows.length).toBe(before + 1)
      const row = rows.at(-1)
      expect(row).toMatchObject({
        endpoint: 'chat',
        org_id: org?.id,
        model: 'stub-model',
        prompt_tokens: 21,
        completion_tokens: 2,
        tokens_source: 'upstream',
        status: 200,
        outcome: 'ok',
        stream: 0,
      })
      expect(row?.key_id).toMatch(/^key_/)
      expect(row?.app_id).toMatch(/^app_/)
      expect(row?.upstream_ms).toBeGreaterThanOrEqual(25)
      expect(row?.gateway_ms).toBeGreaterThanOrEqual(0)
      expect(row?.gateway_ms).toBeLessThan(row?.upstream_ms ?? 0)
    })

    it('counts tokens with a real tokenizer when the upstream reports no usage', async () => {
      h.stub.enqueue({ kind: 'reply', content: 'one two three four five', usage: null })
      await client.chat.completions.create({
        model: 'stub-model',
        messages: [{ role: 'user', content: 'count to five' }],
      })
      const row = (await usageRows()).at(-1)
      expect(row?.tokens_source).toBe('counted')
      expect(row?.completion_tokens).toBe(5)
      // "count to five" is 3 tokens, plus the role and the per-message and reply framing.
      expect(row?.prompt_tokens).toBe(3 + 1 + 3 + 3)
    })

    it('streams a chat completion chunk by chunk and hides the usage chunk it asked for itself', async () => {
      h.stub.enqueue({
        kind: 'reply',
        content: 'one two three',
        usage: { prompt_tokens: 5, completion_tokens: 3 },
      })
      const stream = await client.chat.completions.create({
        model: 'stub-model',
        messages: [{ role: 'user', content: 'count' }],
        stream: true,
      })
      const deltas: string[] = []
      let usageChunks = 0
      for await (const chunk of stream) {
        if (chunk.usage) usageChunks += 1
        deltas.push(chunk.choices[0]?.delta.content ?? '')
      }
      expect(deltas.join('')).toBe('one two three')
      expect(usageChunks).toBe(0)
      expect(h.stub.requests.at(-1)?.body).toMatchObject({
        stream: true,
        stream_options: { include_usage: true },
      })
      const row = (await usageRows()).at(-1)
      expect(row).toMatchObject({
        stream: 1,
        prompt_tokens: 5,
        completion_tokens: 3,
        tokens_source: 'upstream',
        outcome: 'ok',
      })
    })

    it('passes the usage chunk through when the client asks with stream_options.include_usage', async () => {
      h.stub.enqueue({
        kind: 'reply',
        content: 'a b',
        usage: { prompt_tokens: 9, completion_tokens: 2 },
      })
      const stream = await client.chat.completions.create({
        model: 'stub-model',
        messages: [{ role: 'user', content: 'x' }],
        stream: true,
        stream_options: { include_usage: true },
      })
      const usages = []
      for await (const chunk of stream) if (chunk.usage) usages.push(chunk.usage)
      expect(usages).toEqual([{ prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 }])
    })

    it('creates embeddings', async () => {
      const result = await client.embeddings.create({ model: 'stub-embedder', input: ['a', 'b'] })
      expect(result.data).toHaveLength(2)
      expect(result.data[1]?.embedding.map((v) => Math.round(v * 1000) / 1000)).toEqual([
        0.1, 0.2, 0.3, 1,
      ])
      const row = (await usageRows()).at(-1)
      expect(row).toMatchObject({
        endpoint: 'embeddings',
        model: 'stub-embedder',
        prompt_tokens: 6,
      })
    })

    it('lists models, and only those the key may use', async () => {
      const all = await client.models.list()
      expect(all.data.map((m) => m.id).sort()).toEqual(['stub-embedder', 'stub-model'])
      const narrow = new OpenAI({
        apiKey: await h.createKey({ models: ['stub-model'] }),
        baseURL: h.baseURL,
      })
      const some = await narrow.models.list()
      expect(some.data.map((m) => m.id)).toEqual(['stub-model'])
    })

    it('retrieves one model, refusing one the key may not use', async () => {
      expect(await client.models.retrieve('stub-model')).toMatchObject({
        id: 'stub-model',
        object: 'model',
      })
      const narrow = new OpenAI({
        apiKey: await h.createKey({ models: ['stub-model'] }),
        baseURL: h.baseURL,
        maxRetries: 0,
      })
      await expect(narrow.models.retrieve('stub-embedder')).rejects.toBeInstanceOf(
        OpenAI.PermissionDeniedError,
      )
      await expect(client.models.retrieve('no-such-model')).rejects.toBeInstanceOf(
        OpenAI.NotFoundError,
      )
    })

    it('keeps recording usage after a request whose model id holds a NUL byte', async () => {
      const refused = await fetch(`${h.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'evil\u0000model',
          messages: [{ role: 'user', content: 'x' }],
        }),
      })
      expect(refused.status).toBe(401)
      const bad = await client.chat.completions
        .create({ model: 'a\u0000b', messages: [{ role: 'user', content: 'x' }] })
        .catch((e: unknown) => e)
      expect(bad).toMatchObject({ status: 400, param: 'model' })
      await client.chat.completions.create({
        model: 'stub-model',
        messages: [{ role: 'user', content: 'after' }],
      })
      const rows = await usageRows()
      expect(rows.map((r) => r.model)).toEqual(expect.arrayContaining(['ab', 'stub-model']))
      // The stranger's body was never read: its usage row names no model.
      expect(rows.filter((r) => r.status === 401).map((r) => r.model)).toContain(null)
      expect(h.services.usage.stats()).toMatchObject({ queued: 0, dropped: 0 })
    })

    it('serves legacy completions, plain and streamed', async () => {
      const plain = await client.completions.create({ model: 'stub-model', prompt: 'Say hi' })
      expect(plain.choices[0]?.text).toBe('Hello from the stub upstream.')
      const stream = await client.completions.create({
        model: 'stub-model',
        prompt: 'Say hi',
        stream: true,
      })
      let text = ''
      for await (const chunk of stream) text += chunk.choices[0]?.text ?? ''
      expect(text).toBe('Hello from the stub upstream.')
    })
  },
)
