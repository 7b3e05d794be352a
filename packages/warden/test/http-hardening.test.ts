import { connect, type Socket } from 'node:net'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, type Harness } from '../src/testing/warden-harness.js'

interface RawReply {
  /** Everything the server sent before it closed the connection. */
  readonly text: string
  readonly status: number | null
  readonly json: { error?: { message: string; type: string; code: string; param: null } } | null
}

function portOf(h: Harness): number {
  return Number(new URL(h.url).port)
}

/** Opens a loopback socket and resolves once it is connected. */
function open(h: Harness): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: portOf(h) }, () => resolve(socket))
    socket.once('error', reject)
  })
}

/** Resolves with what the server sent once it closes `socket` (or after `waitMs`, then closes it). */
function replyOf(socket: Socket, waitMs = 5_000): Promise<RawReply> {
  return new Promise((resolve) => {
    const parts: Buffer[] = []
    socket.on('data', (part: Buffer) => parts.push(part))
    socket.on('error', () => undefined)
    const timer = setTimeout(() => socket.destroy(), waitMs)
    socket.once('close', () => {
      clearTimeout(timer)
      resolve(parse(Buffer.concat(parts).toString('utf8')))
    })
  })
}

function parse(text: string): RawReply {
  const status = /^HTTP\/1\.1 (\d{3}) /.exec(text)?.[1]
  const body = text.slice(text.indexOf('\r\n\r\n') + 4)
  let json: RawReply['json'] = null
  try {
    json = JSON.parse(body) as RawReply['json']
  } catch {
    json = null
  }
  return { text, status: status === undefined ? null : Number(status), json }
}

/** Sends `bytes` on a fresh connection and returns the server's answer. */
async function send(h: Harness, bytes: string): Promise<RawReply> {
  const socket = await open(h)
  const reply = replyOf(socket)
  socket.write(bytes)
  return reply
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function headers(h: Harness, lines: readonly string[], path = '/healthz', method = 'GET'): string {
  return [`${method} ${path} HTTP/1.1`, `host: 127.0.0.1:${portOf(h)}`, ...lines, '', ''].join(
    '\r\n',
  )
}

describe('malformed and oversized requests get an OpenAI-shaped error', () => {
  let h: Harness

  beforeAll(async () => {
    h = await startHarness()
  })
  afterAll(async () => {
    await h.close()
  })

  it('answers a malformed request line with 400 invalid_request_error and closes', async () => {
    const reply = await send(h, 'HELLO WORLD\r\n\r\n')
    expect(reply.status).toBe(400)
    expect(reply.json?.error).toEqual({
      message: expect.any(String) as string,
      type: 'invalid_request_error',
      code: 'invalid_request_error',
      param: null,
    })
  })

  it('answers a 20 KB header with 431 request_header_fields_too_large', async () => {
    const reply = await send(h, headers(h, [`x-padding: ${'a'.repeat(20 * 1024)}`]))
    expect(reply.status).toBe(431)
    expect(reply.json?.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'request_header_fields_too_large',
      param: null,
    })
  })

  it('answers an HTTP/1.1 request without Host with 400 in the OpenAI shape', async () => {
    const reply = await send(h, 'GET /healthz HTTP/1.1\r\n\r\n')
    expect(reply.status).toBe(400)
    expect(reply.json?.error).toMatchObject({ code: 'invalid_request_error', param: 'host' })
  })

  it('logs one line per admin or health request with route and status, never the query', async () => {
    const res = await fetch(`${h.url}/healthz?token=secret-in-query`)
    expect(res.status).toBe(200)
    const missing = await fetch(`${h.url}/nowhere?token=secret-in-query`)
    expect(missing.status).toBe(404)
    await expect
      .poll(
        () =>
          h
            .logs()
            .split('\n')
            .filter((l) => l.includes('"msg":"request"')).length,
      )
      .toBeGreaterThanOrEqual(2)
    const lines = h
      .logs()
      .split('\n')
      .filter((line) => line.includes('"msg":"request"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(lines).toContainEqual(
      expect.objectContaining({ method: 'GET', route: '/healthz', status: 200, level: 30 }),
    )
    expect(lines).toContainEqual(
      expect.objectContaining({ method: 'GET', route: null, status: 404 }),
    )
    expect(h.logs()).not.toContain('secret-in-query')
  })
})

describe('stalled clients are cut at the configured timeouts', () => {
  let h: Harness

  beforeAll(async () => {
    h = await startHarness({
      env: { WARDEN_HEADERS_TIMEOUT_MS: '300', WARDEN_REQUEST_TIMEOUT_MS: '800' },
      stub: {},
    })
  })
  afterAll(async () => {
    await h.close()
  })

  it('answers 408 request_timeout to a client that sends its headers slowly', async () => {
    const socket = await open(h)
    const reply = replyOf(socket)
    socket.write(`GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\n`)
    let sent = 0
    // One header line every 50 ms for up to 4 s: ten times the header timeout.
    while (sent < 80 && !socket.destroyed) {
      await sleep(50)
      if (!socket.destroyed) socket.write(`x-slow-${sent}: 1\r\n`)
      sent += 1
    }
    const { status, json } = await reply
    expect(socket.destroyed).toBe(true)
    expect(sent).toBeLessThan(80)
    expect(status).toBe(408)
    expect(json?.error).toMatchObject({ code: 'request_timeout', type: 'invalid_request_error' })
  })

  it('answers 408 request_timeout to a client whose body stalls', async () => {
    const key = await h.createKey()
    const socket = await open(h)
    const reply = replyOf(socket)
    socket.write(
      headers(
        h,
        [`authorization: Bearer ${key}`, 'content-type: application/json', 'content-length: 100'],
        '/v1/chat/completions',
        'POST',
      ) + '{"model":',
    )
    const { status, json } = await reply
    expect(status).toBe(408)
    expect(json?.error).toMatchObject({ code: 'request_timeout' })
  })

  it('does not cut a streamed response that lasts longer than the request timeout', async () => {
    const key = await h.createKey()
    h.stub.enqueue({ kind: 'reply', content: 'one two three four five six', chunkDelayMs: 250 })
    const client = new OpenAI({ apiKey: key, baseURL: h.baseURL, maxRetries: 0 })
    const stream = await client.chat.completions.create({
      model: 'stub-model',
      messages: [{ role: 'user', content: 'count' }],
      stream: true,
    })
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ''
    expect(text.trim()).toBe('one two three four five six')
  })
})

describe('the connection cap', () => {
  let h: Harness

  beforeAll(async () => {
    h = await startHarness({ env: { WARDEN_MAX_CONNECTIONS: '4' } })
  })
  afterAll(async () => {
    await h.close()
  })

  it('closes sockets beyond the cap at once and serves again once one is freed', async () => {
    const held = await Promise.all([open(h), open(h), open(h), open(h)])
    await expect.poll(() => connections(h)).toBe(4)
    const extra = await open(h)
    const refused = replyOf(extra)
    extra.write(headers(h, []))
    expect((await refused).text).toBe('')
    held[0]?.destroy()
    await expect.poll(() => connections(h)).toBe(3)
    const served = await send(h, headers(h, ['connection: close']))
    expect(served.status).toBe(200)
    held.forEach((socket) => socket.destroy())
  })
})

function connections(h: Harness): Promise<number> {
  return new Promise((resolve, reject) => {
    h.server.app.server.getConnections((error, count) => (error ? reject(error) : resolve(count)))
  })
}

describe('requests that arrive during shutdown', () => {
  let h: Harness

  beforeAll(async () => {
    h = await startHarness()
  })
  afterAll(async () => {
    await h.close()
  })

  it('get 503 service_unavailable in the OpenAI shape', async () => {
    // A connection whose first request is still arriving is not idle, so shutdown keeps it.
    const socket = await open(h)
    const reply = replyOf(socket)
    socket.write('GET /healthz HTTP/1.1\r\n')
    await expect.poll(() => connections(h)).toBe(1)
    const closed = h.server.close()
    await expect.poll(() => h.server.app.server.listening).toBe(false)
    socket.write(`host: 127.0.0.1\r\n\r\n`)
    const { status, json, text } = await reply
    await closed
    expect(status).toBe(503)
    expect(text.toLowerCase()).toContain('retry-after: 1')
    expect(json?.error).toEqual({
      message: expect.any(String) as string,
      type: 'server_error',
      code: 'service_unavailable',
      param: null,
    })
  })
})

interface Health {
  readonly status: string
  readonly body_bytes_in_flight: number
}

/** `/healthz`, which must answer within a second whatever else the server is doing. */
async function health(h: Harness): Promise<Health> {
  const res = await fetch(`${h.url}/healthz`, { signal: AbortSignal.timeout(1_000) })
  expect(res.status).toBe(200)
  return (await res.json()) as Health
}

/** Opens a connection that declares a body of `declared` bytes, sends `sent` of them, then stalls. */
async function stalledUpload(h: Harness, key: string, declared: number, sent: number) {
  const prefix = '{"model":"stub-model","messages":[{"role":"user","content":"'
  const socket = await open(h)
  socket.on('error', () => undefined)
  socket.write(
    headers(
      h,
      [
        `authorization: Bearer ${key}`,
        'content-type: application/json',
        `content-length: ${declared}`,
      ],
      '/v1/chat/completions',
      'POST',
    ) + prefix.padEnd(sent, 'a'),
  )
  return socket
}

describe('slow uploads keep memory bounded', () => {
  const count = 300
  const declared = 4_000_000
  const sent = 4_096
  let h: Harness

  beforeAll(async () => {
    // Hundreds of wrong keys from one address: the bad-key throttle would answer the later ones
    // 429 (from the headers too); this suite is about the 401 path.
    h = await startHarness({
      env: { WARDEN_MAX_CONNECTIONS: '1000' },
      values: { throttle: { anonymousPerMinute: 100_000 } },
    })
  })
  afterAll(async () => {
    await h.close()
  })

  it('holds 300 stalled 4 MB uploads in a few MB while /healthz keeps answering', async () => {
    const key = await h.createKey()
    const before = process.memoryUsage()
    const sockets: Socket[] = []
    for (let batch = 0; batch < count / 50; batch += 1) {
      const opened = await Promise.all(
        Array.from({ length: 50 }, () => stalledUpload(h, key, declared, sent)),
      )
      sockets.push(...opened)
      expect((await health(h)).status).toBe('ok')
    }
    try {
      await expect
        .poll(async () => (await health(h)).body_bytes_in_flight, { timeout: 10_000 })
        .toBe(count * sent)
      const after = process.memoryUsage()
      const growth = after.arrayBuffers + after.heapUsed - (before.arrayBuffers + before.heapUsed)
      // Buffering the declared bodies would take 1.2 GB; what arrived is 1.2 MB.
      expect(growth).toBeLessThan((count * declared) / 20)
      for (let i = 0; i < 5; i += 1) expect((await health(h)).status).toBe('ok')
    } finally {
      sockets.forEach((socket) => socket.destroy())
    }
    await expect.poll(async () => (await health(h)).body_bytes_in_flight).toBe(0)
  })

  it('answers 200 stalled uploads with a wrong key 401 from their headers, reading none', async () => {
    const before = process.memoryUsage()
    const replies: string[] = []
    const sockets = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const socket = await stalledUpload(h, 'wdn_not-a-key', declared, 64 * 1024)
        replies[i] = ''
        socket.on('data', (d: Buffer) => (replies[i] += d.toString('utf8')))
        return socket
      }),
    )
    try {
      await expect
        .poll(() => replies.filter((r) => r.includes('"code":"invalid_api_key"')).length, {
          timeout: 10_000,
        })
        .toBe(200)
      expect(replies.every((r) => r.startsWith('HTTP/1.1 401'))).toBe(true)
      expect((await health(h)).status).toBe('ok')
      const after = process.memoryUsage()
      const growth = after.arrayBuffers + after.heapUsed - (before.arrayBuffers + before.heapUsed)
      // The probe's 100 such uploads held 209 MB; these 200 declared 800 MB.
      expect(growth).toBeLessThan(40 * 1024 * 1024)
    } finally {
      sockets.forEach((socket) => socket.destroy())
    }
    await expect.poll(async () => (await health(h)).body_bytes_in_flight).toBe(0)
  })
})

describe('the budget of body bytes in flight', () => {
  const budget = 100_000
  let h: Harness
  let key: string

  beforeAll(async () => {
    h = await startHarness({ env: { WARDEN_MAX_BODY_BYTES_IN_FLIGHT: String(budget) } })
    key = await h.createKey()
  })
  afterAll(async () => {
    await h.close()
  })

  it('answers 503 service_unavailable with Retry-After once a body would exceed it', async () => {
    const holder = await stalledUpload(h, key, 200_000, 90_000)
    try {
      await expect.poll(async () => (await health(h)).body_bytes_in_flight).toBe(90_000)
      const body = JSON.stringify({
        model: 'stub-model',
        messages: [{ role: 'user', content: 'b'.repeat(20_000) }],
      })
      const res = await fetch(`${h.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body,
      })
      expect(res.status).toBe(503)
      expect(res.headers.get('retry-after')).toBe('1')
      expect(await res.json()).toEqual({
        error: {
          message: expect.any(String) as string,
          type: 'server_error',
          code: 'service_unavailable',
          param: null,
        },
      })
      expect((await health(h)).body_bytes_in_flight).toBe(90_000)
    } finally {
      holder.destroy()
    }
    await expect.poll(async () => (await health(h)).body_bytes_in_flight).toBe(0)
    const client = new OpenAI({ apiKey: key, baseURL: h.baseURL, maxRetries: 0 })
    const answer = await client.chat.completions.create({
      model: 'stub-model',
      messages: [{ role: 'user', content: 'b'.repeat(20_000) }],
    })
    expect(answer.choices[0]?.message.content).toBe('Hello from the stub upstream.')
  })
})
