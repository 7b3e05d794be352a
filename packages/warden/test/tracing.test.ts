import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  startOtlpReceiver,
  type OtlpReceiver,
  type ReceivedSpan,
} from '../src/testing/otlp-receiver.js'
import { startStubUpstream } from '../src/testing/stub-upstream.js'
import { startHarness, type Harness } from '../src/testing/warden-harness.js'

const SERVER = 2
const CLIENT = 3
const ERROR = 2
const prompt = 'Write one line about the sea, please.'

/** End-to-end: spans of real requests through a real Warden, exported to a real OTLP receiver. */
describe('OpenTelemetry traces', () => {
  let receiver: OtlpReceiver
  let h: Harness
  let client: OpenAI
  let key: string

  beforeAll(async () => {
    receiver = await startOtlpReceiver()
    h = await startHarness({
      env: { OTLP_TOKEN: 'otlp-collector-secret-42' },
      values: {
        tracing: {
          otlp: { endpoint: receiver.url, headers: { 'x-collector-token': 'env:OTLP_TOKEN' } },
        },
      },
    })
    key = await h.createKey()
    client = new OpenAI({ apiKey: key, baseURL: h.baseURL, maxRetries: 0 })
  })
  afterAll(async () => {
    await h.close()
    await receiver.close()
  })

  /** Sends, flushes the exporter, and returns the request's root span and its children. */
  async function traced(send: () => Promise<string>): Promise<{
    root: ReceivedSpan
    children: ReceivedSpan[]
  }> {
    const requestId = await send()
    await h.services.tracing?.flush()
    const root = receiver.spans.find((s) => s.attributes['warden.request_id'] === requestId)
    if (root === undefined) throw new Error(`no span for ${requestId}`)
    return { root, children: receiver.spans.filter((s) => s.parentSpanId === root.spanId) }
  }

  it('exports a server span with the GenAI attributes and a client span for the upstream call', async () => {
    let answerId = ''
    const { root, children } = await traced(async () => {
      const { data, response } = await client.chat.completions
        .create({
          model: 'stub-model',
          messages: [{ role: 'user', content: prompt }],
          max_tokens: 20,
          temperature: 0.2,
        })
        .withResponse()
      answerId = data.id
      return response.headers.get('x-request-id') ?? ''
    })
    expect(root.name).toBe('chat stub-model')
    expect(root.kind).toBe(SERVER)
    expect(root.parentSpanId).toBe('')
    expect(root.resource['service.name']).toBe('warden')
    const principal = await h.services.apiKeys.resolveKey(key)
    expect(root.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'stub-model',
      'gen_ai.request.max_tokens': 20,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.response.model': 'stub-model',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.provider.name': 'stub',
      'gen_ai.system': 'stub',
      'http.response.status_code': 200,
      'warden.endpoint': 'chat',
      'warden.outcome': 'ok',
      'warden.stream': false,
      'warden.app_id': principal.appId,
      'warden.org_id': principal.orgId,
      'warden.key_id': principal.keyId,
    })
    expect(root.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0)
    expect(root.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0)
    expect(root.attributes['gen_ai.response.id']).toBe(answerId)
    expect(root.attributes).not.toHaveProperty('error.type')

    expect(children).toHaveLength(1)
    const upstream = children[0] as ReceivedSpan
    const stubPort = Number(new URL(h.stub.url).port)
    expect(upstream).toMatchObject({ name: 'chat stub-model', kind: CLIENT, traceId: root.traceId })
    expect(upstream.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'stub-model',
      'gen_ai.provider.name': 'stub',
      'server.address': '127.0.0.1',
      'server.port': stubPort,
    })
    expect(upstream.startMs).toBeGreaterThanOrEqual(root.startMs)
    expect(upstream.endMs).toBeLessThanOrEqual(root.endMs)
  })

  it('sends the configured headers, and never the prompt, the answer or an API key', () => {
    expect(receiver.headers.at(-1)?.['x-collector-token']).toBe('otlp-collector-secret-42')
    // OTLP's default encoding over HTTP.
    expect(receiver.headers.at(-1)?.['content-type']).toBe('application/x-protobuf')
    const exported = Buffer.concat(receiver.bodies).toString('utf8')
    expect(exported).not.toContain('about the sea')
    expect(exported).not.toContain('Hello from the stub upstream')
    expect(exported).not.toContain(key)
    expect(exported).not.toContain('sk-upstream-secret')
    expect(h.logs()).not.toContain('otlp-collector-secret-42')
  })

  it("marks a stream's first chunk with an event", async () => {
    const { root } = await traced(async () => {
      const { data, response } = await client.chat.completions
        .create({
          model: 'stub-model',
          messages: [{ role: 'user', content: prompt }],
          stream: true,
        })
        .withResponse()
      for await (const chunk of data) expect(chunk.object).toBe('chat.completion.chunk')
      return response.headers.get('x-request-id') ?? ''
    })
    expect(root.attributes['warden.stream']).toBe(true)
    const first = root.events.find((e) => e.name === 'warden.first_chunk')
    expect(first).toBeDefined()
    expect(first?.atMs).toBeGreaterThanOrEqual(root.startMs)
    expect(first?.atMs).toBeLessThanOrEqual(root.endMs)
  })

  it('names the error of a refused request, and marks a failed upstream call as an error', async () => {
    const refused = await traced(async () => {
      const error = await client.chat.completions
        .create({ model: 'no-such-model', messages: [{ role: 'user', content: prompt }] })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(OpenAI.NotFoundError)
      return (error as InstanceType<typeof OpenAI.NotFoundError>).headers.get('x-request-id') ?? ''
    })
    expect(refused.root.attributes).toMatchObject({
      'error.type': 'model_not_found',
      'http.response.status_code': 404,
      'warden.outcome': 'client_error',
    })
    // A client's mistake is not the server's failure.
    expect(refused.root.status).not.toBe(ERROR)
    expect(refused.children).toEqual([])

    // Every attempt (the first and the provider's two retries) fails.
    const failing = { kind: 'status', status: 500, body: { error: { message: 'boom' } } } as const
    h.stub.enqueue(failing, failing, failing)
    const failed = await traced(async () => {
      const error = await client.chat.completions
        .create({ model: 'stub-model', messages: [{ role: 'user', content: prompt }] })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(OpenAI.APIError)
      return (error as InstanceType<typeof OpenAI.APIError>).headers?.get('x-request-id') ?? ''
    })
    expect(failed.root.status).toBe(ERROR)
    expect(failed.root.attributes['error.type']).toBe('upstream_error')
    expect(failed.children).toHaveLength(1)
    expect(failed.children[0]?.status).toBe(ERROR)
    expect(failed.children[0]?.attributes['error.type']).toBe('upstream_error')
  })

  it('says once that exports fail, and once that they work again', async () => {
    receiver.respondWith(400)
    const chat = () =>
      client.chat.completions.create({
        model: 'stub-model',
        messages: [{ role: 'user', content: 'x' }],
      })
    await chat()
    await h.services.tracing?.flush()
    await chat()
    await h.services.tracing?.flush()
    receiver.respondWith(200)
    await chat()
    await h.services.tracing?.flush()
    const lines = h.logs().split('\n')
    expect(lines.filter((l) => l.includes('tracing: exporting spans failed'))).toHaveLength(1)
    expect(lines.filter((l) => l.includes('tracing: exporting spans works again'))).toHaveLength(1)
  })
})

describe('OpenTelemetry traces with tracing.captureContent', () => {
  it('puts the prompt and the answer in the span, as JSON when asked, and samples by tracing.sampleRatio', async () => {
    const receiver = await startOtlpReceiver()
    const h = await startHarness({
      values: {
        tracing: { otlp: { endpoint: receiver.url, protocol: 'http/json' }, captureContent: true },
      },
    })
    const unsampled = await startHarness({
      values: { tracing: { otlp: { endpoint: receiver.url }, sampleRatio: 0 } },
    })
    try {
      for (const harness of [h, unsampled]) {
        const client = new OpenAI({
          apiKey: await harness.createKey(),
          baseURL: harness.baseURL,
          maxRetries: 0,
        })
        await client.chat.completions.create({
          model: 'stub-model',
          messages: [
            { role: 'system', content: 'Be brief.' },
            { role: 'user', content: prompt },
          ],
        })
        await harness.services.tracing?.flush()
      }
      expect(receiver.headers.map((h) => h['content-type'])).toEqual(['application/json'])
      const roots = receiver.spans.filter((s) => s.kind === SERVER)
      expect(roots).toHaveLength(1)
      const root = roots[0] as ReceivedSpan
      expect(JSON.parse(String(root.attributes['gen_ai.input.messages']))).toEqual([
        { role: 'system', parts: [{ type: 'text', content: 'Be brief.' }] },
        { role: 'user', parts: [{ type: 'text', content: prompt }] },
      ])
      expect(JSON.parse(String(root.attributes['gen_ai.output.messages']))).toEqual([
        {
          role: 'assistant',
          parts: [{ type: 'text', content: 'Hello from the stub upstream.' }],
          finish_reason: 'stop',
        },
      ])
    } finally {
      await h.close()
      await unsampled.close()
      await receiver.close()
    }
  })
})

/**
 * Which OpenTelemetry modules a real Warden process loads: a module-resolution hook records
 * every one it resolves, in a file, while the server starts and answers a request.
 */
describe('the OpenTelemetry SDK when tracing is off', () => {
  const root = resolve(import.meta.dirname, '..')
  let dir: string

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-otel-load-'))
    writeFileSync(
      join(dir, 'hooks.mjs'),
      [
        "import { appendFileSync } from 'node:fs'",
        'let log',
        'export function initialize(data) { log = data.log }',
        'export async function resolve(specifier, context, next) {',
        '  const result = await next(specifier, context)',
        "  if (result.url.includes('/@opentelemetry/')) appendFileSync(log, result.url + '\\n')",
        '  return result',
        '}',
      ].join('\n'),
    )
    writeFileSync(
      join(dir, 'register.mjs'),
      [
        "import { register } from 'node:module'",
        "register('./hooks.mjs', import.meta.url, { data: { log: process.env.LOADED_LOG } })",
      ].join('\n'),
    )
  })
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  /** Starts Warden with `extra` variables, sends one chat request, stops it; returns what loaded. */
  async function loadedModules(name: string, extra: Record<string, string>): Promise<string[]> {
    const stub = await startStubUpstream()
    const home = mkdtempSync(join(dir, `${name}-`))
    const log = join(home, 'loaded.txt')
    const env = {
      PATH: process.env.PATH,
      HOME: home,
      // Its own database, whatever .warden/ folder a parent of the temp folder may hold.
      WARDEN_HOME: home,
      WARDEN_UPSTREAM_URL: stub.url,
      WARDEN_PORT: '0',
      WARDEN_METRICS_PORT: '0',
      WARDEN_LOG_LEVEL: 'warn',
      LOADED_LOG: log,
      ...extra,
    }
    try {
      const created = spawnSync(
        process.execPath,
        [join(root, 'bin', 'warden.js'), 'key', 'create', '--org', 'o', '--app', 'a', '--json'],
        { cwd: home, env, encoding: 'utf8' },
      )
      const apiKey = (JSON.parse(created.stdout) as { key: string }).key
      const child = spawn(
        process.execPath,
        ['--import', join(dir, 'register.mjs'), join(root, 'dist', 'main.js')],
        { cwd: home, env },
      )
      let stderr = ''
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      const exited = new Promise((done) => child.on('close', done))
      await expect.poll(() => stderr, { timeout: 20_000 }).toMatch(/listening on (http:\S+)/)
      const url = /listening on (http:\S+)/.exec(stderr)?.[1] ?? ''
      const client = new OpenAI({ apiKey, baseURL: `${url}/v1`, maxRetries: 0 })
      await client.chat.completions.create({
        model: 'stub-model',
        messages: [{ role: 'user', content: 'hi' }],
      })
      child.kill('SIGTERM')
      await exited
      return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []
    } finally {
      await stub.close()
    }
  }

  const sdk = (urls: readonly string[]) =>
    urls.filter((u) => /@opentelemetry\/(sdk-|exporter-|resources|otlp-|core)/.test(u))

  it('loads none of the SDK, while a Warden with an endpoint loads it', async () => {
    const receiver = await startOtlpReceiver()
    try {
      const off = await loadedModules('off', {})
      const on = await loadedModules('on', { WARDEN_TRACING_ENDPOINT: receiver.url })
      expect(sdk(on)).toEqual(
        expect.arrayContaining([
          expect.stringContaining('/@opentelemetry/sdk-trace/'),
          expect.stringContaining('/@opentelemetry/exporter-trace-otlp-proto/'),
        ]),
      )
      expect(sdk(off)).toEqual([])
      // And the server with an endpoint exported the request it answered, at shutdown.
      expect(receiver.spans.map((s) => s.name)).toContain('chat stub-model')
    } finally {
      await receiver.close()
    }
  })
})
