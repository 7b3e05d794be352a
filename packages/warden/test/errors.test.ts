import { once } from 'node:events'
import { request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, type Harness } from '../src/testing/warden-harness.js'

interface RawResponse {
  readonly status: number
  readonly body: string
  readonly json: { error?: { message: string; type: string; code: string; param: string | null } }
}

/** A raw HTTP call, for what the official client would never send. */
function raw(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: options.method ?? 'POST', headers: options.headers },
      (res) => {
        const parts: Buffer[] = []
        res.on('data', (p: Buffer) => parts.push(p))
        res.on('end', () => {
          const body = Buffer.concat(parts).toString('utf8')
          let json: RawResponse['json'] = {}
          try {
            json = JSON.parse(body) as RawResponse['json']
          } catch {
            json = {}
          }
          resolve({ status: res.statusCode ?? 0, body, json })
        })
      },
    )
    req.on('error', reject)
    req.end(options.body)
  })
}

const chat = { model: 'stub-model', messages: [{ role: 'user' as const, content: 'hi' }] }

describe('errors come back in the OpenAI shape with the right status', () => {
  let h: Harness
  let key: string
  let client: OpenAI

  beforeAll(async () => {
    h = await startHarness({
      env: { WARDEN_BODY_LIMIT_BYTES: '2048' },
      provider: { timeoutMs: 400, streamIdleTimeoutMs: 400, maxRetries: 2, retryBackoffMs: 5 },
    })
    key = await h.createKey()
    client = new OpenAI({ apiKey: key, baseURL: h.baseURL, maxRetries: 0 })
  })
  afterAll(async () => {
    await h.close()
  })

  const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}) =>
    raw(`${h.url}${path}`, {
      body,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
    })

  it('401 missing_api_key without a key', async () => {
    const res = await raw(`${h.baseURL}/chat/completions`, {
      body: JSON.stringify(chat),
      headers: { 'content-type': 'application/json' },
    })
    expect(res.status).toBe(401)
    expect(res.json.error).toMatchObject({
      code: 'missing_api_key',
      type: 'authentication_error',
      param: null,
    })
  })

  it('401 invalid_api_key for an unknown key', async () => {
    const stranger = new OpenAI({
      apiKey: 'wdn_not-a-real-key-0000000000000000000000000',
      baseURL: h.baseURL,
      maxRetries: 0,
    })
    const error = await stranger.chat.completions.create(chat).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError)
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('invalid_api_key')
  })

  it('403 api_key_revoked on the very next request after revocation', async () => {
    const secret = await h.createKey()
    const victim = new OpenAI({ apiKey: secret, baseURL: h.baseURL, maxRetries: 0 })
    await victim.chat.completions.create(chat)
    const info = (await h.services.apiKeys.listKeys()).find((k) => secret.startsWith(k.prefix))
    await h.services.apiKeys.revokeKey(info?.id ?? '', 'test')
    const error = await victim.chat.completions.create(chat).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError)
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('api_key_revoked')
  })

  it('401 api_key_expired once the expiry has passed', async () => {
    const secret = await h.createKey({ expiresAt: Date.now() + 150 })
    await new Promise((r) => setTimeout(r, 200))
    const res = await raw(`${h.baseURL}/chat/completions`, {
      body: JSON.stringify(chat),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
    })
    expect(res.status).toBe(401)
    expect(res.json.error?.code).toBe('api_key_expired')
  })

  it('403 model_not_allowed for a model outside the key allow-list', async () => {
    const narrow = new OpenAI({
      apiKey: await h.createKey({ models: ['stub-embedder'] }),
      baseURL: h.baseURL,
      maxRetries: 0,
    })
    const error = await narrow.chat.completions.create(chat).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError)
    expect(error).toMatchObject({ code: 'model_not_allowed', param: 'model' })
  })

  it('404 model_not_found for a model no upstream serves', async () => {
    const before = h.stub.requests.length
    const error = await client.chat.completions
      .create({ ...chat, model: 'gpt-nonexistent' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.NotFoundError)
    expect(error).toMatchObject({ code: 'model_not_found', param: 'model' })
    expect(h.stub.requests.filter((r) => r.path !== '/v1/models').length).toBe(
      before - h.stub.requests.slice(0, before).filter((r) => r.path === '/v1/models').length,
    )
  })

  it('400 invalid_json for a malformed body, and nothing is forwarded', async () => {
    const before = h.stub.requests.length
    const res = await post('/v1/chat/completions', '{"model": "stub-model", "messages": [')
    expect(res.status).toBe(400)
    expect(res.json.error).toMatchObject({ code: 'invalid_json', type: 'invalid_request_error' })
    expect(h.stub.requests.length).toBe(before)
  })

  it('400 naming the param for a bad field', async () => {
    const error = await client.chat.completions
      .create({ model: 'stub-model', messages: [] })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect(error).toMatchObject({ code: 'invalid_request_error', param: 'messages' })
    const res = await post('/v1/chat/completions', JSON.stringify({ ...chat, temperature: 7 }))
    expect(res.json.error).toMatchObject({ param: 'temperature' })
    const roleRes = await post(
      '/v1/chat/completions',
      JSON.stringify({ model: 'stub-model', messages: [{ role: 'wizard', content: 'x' }] }),
    )
    expect(roleRes.json.error).toMatchObject({ param: 'messages[0].role' })
  })

  it('413 request_too_large over the body limit', async () => {
    const res = await post(
      '/v1/chat/completions',
      JSON.stringify({ ...chat, messages: [{ role: 'user', content: 'x'.repeat(5000) }] }),
    )
    expect(res.status).toBe(413)
    expect(res.json.error?.code).toBe('request_too_large')
  })

  it('502 upstream_error after retrying a failing upstream, without leaking its credentials', async () => {
    h.stub.enqueue(
      { kind: 'status', status: 500 },
      { kind: 'status', status: 503 },
      {
        kind: 'status',
        status: 500,
        body: { error: { message: 'boom with key sk-upstream-secret-abcdef123456' } },
      },
    )
    const before = h.stub.requests.length
    const res = await post('/v1/chat/completions', JSON.stringify(chat))
    expect(res.status).toBe(502)
    expect(res.json.error).toMatchObject({ code: 'upstream_error', type: 'api_error' })
    expect(h.stub.requests.length - before).toBe(3)
    expect(res.body).not.toContain('sk-upstream-secret')
  })

  it('retries a 5xx and a reset connection before any byte reached the client', async () => {
    h.stub.enqueue({ kind: 'status', status: 502 }, { kind: 'reset' })
    const completion = await client.chat.completions.create(chat)
    expect(completion.choices[0]?.message.content).toBe('Hello from the stub upstream.')
  })

  it('does not forward the upstream credential when the upstream refuses it', async () => {
    h.stub.enqueue({
      kind: 'status',
      status: 401,
      body: { error: { message: 'Incorrect API key provided: sk-upstream-secret-abcdef123456' } },
    })
    const res = await post('/v1/chat/completions', JSON.stringify(chat))
    expect(res.status).toBe(502)
    expect(res.body).not.toContain('sk-upstream')
  })

  it('passes an upstream 400 through with its message and param', async () => {
    h.stub.enqueue({
      kind: 'status',
      status: 400,
      body: { error: { message: 'context too long', param: 'messages' } },
    })
    const res = await post('/v1/chat/completions', JSON.stringify(chat))
    expect(res.status).toBe(400)
    expect(res.json.error).toMatchObject({ code: 'upstream_rejected', param: 'messages' })
    expect(res.json.error?.message).toContain('context too long')
  })

  it('504 upstream_timeout when the upstream does not answer in time', async () => {
    h.stub.enqueue({ kind: 'hang' })
    const started = Date.now()
    const res = await post('/v1/chat/completions', JSON.stringify(chat))
    expect(res.status).toBe(504)
    expect(res.json.error?.code).toBe('upstream_timeout')
    expect(Date.now() - started).toBeLessThan(3_000)
  })

  it('504 upstream_timeout when a plain answer trickles past the timeout', async () => {
    h.stub.enqueue({ kind: 'reply', content: 'slow words '.repeat(10), trickleMs: 40 })
    const started = Date.now()
    const res = await post('/v1/chat/completions', JSON.stringify(chat))
    expect(res.status).toBe(504)
    expect(res.json.error?.code).toBe('upstream_timeout')
    // The timeout is 400 ms; the trickle would take over 2 s.
    expect(Date.now() - started).toBeLessThan(1_500)
  })

  it('sends a proper stream when the upstream answers a stream request with plain JSON', async () => {
    h.stub.enqueue({ kind: 'reply', content: 'One plain answer.', ignoreStream: true })
    const stream = await client.chat.completions.create({ ...chat, stream: true })
    let text = ''
    let finish: string | null = null
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      finish = chunk.choices[0]?.finish_reason ?? finish
    }
    expect(text).toBe('One plain answer.')
    expect(finish).toBe('stop')
    h.stub.enqueue({ kind: 'reply', content: 'Legacy plain.', ignoreStream: true })
    const legacy = await client.completions.create({
      model: 'stub-model',
      prompt: 'x',
      stream: true,
    })
    let legacyText = ''
    for await (const chunk of legacy) legacyText += chunk.choices[0]?.text ?? ''
    expect(legacyText).toBe('Legacy plain.')
  })

  it('ends a stream the upstream breaks with an error event, not a hang', async () => {
    h.stub.enqueue({ kind: 'reset-mid-stream', afterChunks: 2 })
    const stream = await client.chat.completions.create({ ...chat, stream: true })
    const seen: string[] = []
    const outcome = await (async () => {
      for await (const chunk of stream) seen.push(chunk.choices[0]?.delta.content ?? '')
    })().catch((e: unknown) => e)
    expect(seen.join('')).toBe('Hello from ')
    expect(outcome).toBeInstanceOf(OpenAI.APIError)
    expect(String((outcome as Error).message)).toMatch(/upstream/i)
  })

  it('ends a stream with an error event when the upstream sends a malformed chunk', async () => {
    h.stub.enqueue({ kind: 'malformed-chunk', afterChunks: 1 })
    const res = await post('/v1/chat/completions', JSON.stringify({ ...chat, stream: true }))
    expect(res.status).toBe(200)
    const events = res.body.split('\n\n').filter(Boolean)
    expect(events[0]).toContain('"content":"Hello "')
    expect(events.at(-1)).toContain('"code":"upstream_error"')
    await h.services.usage.flush()
    const row = await h.services.store.db
      .selectFrom('usage_event')
      .selectAll()
      .orderBy('at', 'desc')
      .executeTakeFirst()
    expect(row).toMatchObject({
      stream: 1,
      outcome: 'upstream_error',
      error_code: 'upstream_error',
    })
    expect(h.logs()).toMatch(/"code":"upstream_error".*stream ended early/)
  })

  it('cancels the upstream call when the client goes away mid-stream', async () => {
    // Long enough that the output filter's hold-back window releases words well before its end.
    const words = 'a b c d e f g h i j k l m n o p '.repeat(20).trim()
    h.stub.enqueue({ kind: 'reply', content: words, chunkDelayMs: 5 })
    const abortedBefore = h.stub.aborted
    const controller = new AbortController()
    const stream = await client.chat.completions.create(
      { ...chat, stream: true },
      { signal: controller.signal },
    )
    let received = 0
    await (async () => {
      for await (const chunk of stream) {
        received += chunk.choices[0]?.delta.content ? 1 : 0
        controller.abort()
      }
    })().catch(() => undefined)
    expect(received).toBeLessThan(100)
    await expect.poll(() => h.stub.aborted, { timeout: 2_000 }).toBe(abortedBefore + 1)
    await h.services.usage.flush()
    await expect
      .poll(async () => {
        await h.services.usage.flush()
        const row = await h.services.store.db
          .selectFrom('usage_event')
          .selectAll()
          .where('outcome', '=', 'cancelled')
          .executeTakeFirst()
        return row?.completion_tokens ?? -1
      })
      .toBeGreaterThan(0)
  })

  it('answers every strange input with a 4xx and keeps serving', async () => {
    const bodies: Array<string | Buffer> = [
      '',
      'null',
      '[]',
      '"text"',
      '12',
      '{"__proto__": {"admin": true}, "model": "stub-model", "messages": [{"role":"user","content":"x"}]}',
      '{"constructor": {"prototype": {"x": 1}}}',
      '{"model": 5, "messages": "no"}',
      '{"model": "stub-model", "messages": [{"role": "user", "content": {"nested": true}}]}',
      '['.repeat(900) + ']'.repeat(900),
      Buffer.from([0xff, 0xfe, 0x00, 0x7b]),
    ]
    for (const body of bodies) {
      const res = await post('/v1/chat/completions', body)
      expect(res.status, `status for ${String(body).slice(0, 40)}`).toBeGreaterThanOrEqual(400)
      expect(res.status).toBeLessThan(500)
      expect(res.json.error?.type).toBeTruthy()
    }
    const wrongType = await post('/v1/chat/completions', 'model=x', {
      'content-type': 'application/x-www-form-urlencoded',
    })
    expect(wrongType.status).toBe(400)
    const unknownPath = await raw(`${h.url}/v1/nope`, { method: 'GET' })
    expect(unknownPath.status).toBe(404)
    expect(unknownPath.json.error?.code).toBe('not_found')
    const completion = await client.chat.completions.create(chat)
    expect(completion.choices).toHaveLength(1)
  })

  it('answers a bad key with 401 from the headers alone, never reading the upload', async () => {
    const socket = connect({ host: '127.0.0.1', port: Number(new URL(h.url).port) })
    await once(socket, 'connect')
    let reply = ''
    socket.on('data', (d: Buffer) => (reply += d.toString('utf8')))
    // Headers that promise a 3 MB body, and not one byte of it.
    socket.write(
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wdn_wrong\r\n' +
        'Content-Type: application/json\r\nContent-Length: 3000000\r\n\r\n',
    )
    await expect.poll(() => reply, { timeout: 2_000 }).toMatch(/\r\n\r\n\{.*\}$/s)
    expect(reply).toMatch(/^HTTP\/1\.1 401/)
    expect(reply.toLowerCase()).toContain('connection: close')
    expect(reply).toContain('"code":"invalid_api_key"')
    socket.destroy()
  })

  it('refuses a declared body over the limit with 413 before reading it', async () => {
    const socket = connect({ host: '127.0.0.1', port: Number(new URL(h.url).port) })
    await once(socket, 'connect')
    let reply = ''
    socket.on('data', (d: Buffer) => (reply += d.toString('utf8')))
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 999999\r\n\r\n',
    )
    await expect.poll(() => reply, { timeout: 2_000 }).toMatch(/"code":"request_too_large"/)
    expect(reply).toMatch(/^HTTP\/1\.1 413/)
    socket.destroy()
  })

  it('writes refusals to the audit log, and the chain verifies', async () => {
    await raw(`${h.baseURL}/chat/completions`, {
      body: JSON.stringify(chat),
      headers: { 'content-type': 'application/json', authorization: 'Bearer wdn_nope' },
    })
    // Unidentified callers are rolled up per address and minute; write the current minute now.
    h.services.throttles.flush()
    await h.services.auditLog.flush()
    const entries = await h.services.auditLog.list({ limit: 1000 })
    const refusals = entries.filter((e) => e.action === 'request.refused')
    expect(refusals.map((e) => (JSON.parse(e.details) as { code: string }).code)).toEqual(
      expect.arrayContaining([
        'missing_api_key',
        'invalid_api_key',
        'api_key_revoked',
        'model_not_allowed',
      ]),
    )
    expect((await h.services.auditLog.verify()).ok).toBe(true)
  })

  it('never writes API keys or the upstream credential to the log', () => {
    const logs = h.logs()
    expect(logs.length).toBeGreaterThan(0)
    expect(logs).not.toContain(key)
    expect(logs).not.toMatch(/wdn_[A-Za-z0-9_-]{20,}/)
    expect(logs).not.toContain('sk-upstream-secret')
  })
})

describe('hostile bodies at the default body limit', () => {
  let h: Harness
  let key: string
  beforeAll(async () => {
    h = await startHarness()
    key = await h.createKey()
  })
  afterAll(async () => {
    await h.close()
  })
  const post = (path: string, body: string | Buffer) =>
    raw(`${h.url}${path}`, {
      body,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    })

  it('answers JSON nested 10,000 deep and invalid UTF-8 with 400 invalid_json, and logs no stack', async () => {
    const deep = await post('/v1/embeddings', '['.repeat(10_000) + ']'.repeat(10_000))
    expect(deep.status).toBe(400)
    expect(deep.json.error).toMatchObject({ code: 'invalid_json', type: 'invalid_request_error' })
    const admin = await raw(`${h.url}/api/admin/login`, {
      body: '{"token":' + '['.repeat(10_000) + ']'.repeat(10_000) + '}',
      headers: { 'content-type': 'application/json' },
    })
    expect(admin.status).toBe(400)
    expect(admin.json.error?.code).toBe('invalid_json')
    const utf8 = await post(
      '/v1/chat/completions',
      Buffer.concat([
        Buffer.from('{"model":"stub-model","messages":[{"role":"user","content":"'),
        Buffer.from([0xc3, 0x28, 0xff]),
        Buffer.from('"}]}'),
      ]),
    )
    expect(utf8.status).toBe(400)
    expect(utf8.json.error).toMatchObject({ code: 'invalid_json' })
    expect(utf8.json.error?.message).toMatch(/UTF-8/)
    expect(h.logs()).not.toMatch(/RangeError|Maximum call stack|\n\s+at /)
  })
})
