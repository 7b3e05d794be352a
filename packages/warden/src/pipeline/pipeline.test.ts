import { createRedactor } from '../moderation/index.js'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  WardenError,
  type AnonymousRefusal,
  type AuditInput,
  type JsonObject,
  type Principal,
  type UsageEvent,
} from '../domain/index.js'
import { createModelRegistry } from '../providers/index.js'
import {
  createFakeProvider,
  fakeChunks,
  fakeCompletion,
  type FakeProvider,
} from '../testing/fake-provider.js'
import { createPolicySnapshot, DEFAULT_POLICY_FILE, parsePolicy } from '../policy/index.js'
import { endpointStages } from './endpoints.js'
import { createExchange, type Exchange } from './exchange.js'
import type { RequestLogLine } from './log-request.js'
import { createPipeline } from './pipeline.js'
import { onSettle } from './stage.js'

const KEY = 'wdn_good'
/** An address the anonymous throttle holds back. */
const BLOCKED = '198.51.100.66'
const principal: Principal = {
  keyId: 'key_1',
  keyPrefix: 'wdn_good',
  appId: 'app_1',
  orgId: 'org_1',
  allowedModels: ['fake-model', 'other-model'],
  tier: null,
  appStatus: 'active',
  acceptedPolicyVersion: null,
  limits: { key: null, app: null, org: null },
}

const policy = createPolicySnapshot(
  1,
  parsePolicy(readFileSync(DEFAULT_POLICY_FILE, 'utf8')).document,
  { version: 1, deadline: 0 },
)
const policyDeps = {
  policy: () => policy,
  now: Date.now,
  publicUrl: '',
  limiter: null,
  findings: { record: () => undefined },
  contentTexts: { record: () => undefined },
  contentFilter: null,
  createRedactor,
  observers: [],
  outputWindow: { holdBackChars: 64, checkEveryChars: 96, contextChars: 128, maxHoldChars: 4096 },
}

function setup() {
  const provider: FakeProvider = createFakeProvider()
  const audits: AuditInput[] = []
  const anonymous: AnonymousRefusal[] = []
  const events: UsageEvent[] = []
  const lines: RequestLogLine[] = []
  const handlerErrors: unknown[] = []
  const models = createModelRegistry({
    models: [
      { id: 'fake-model', provider: 'fake', ownedBy: 'warden' },
      { id: 'secret-model', provider: 'fake', ownedBy: 'warden' },
    ],
    providers: { fake: provider },
    passthrough: [],
    now: Date.now,
  })
  const pipeline = createPipeline(
    endpointStages({
      audit: { append: (e) => void audits.push(e), appendNow: () => Promise.resolve() },
      anonymous: {
        refused: (r) => void anonymous.push(r),
        waitFor: (address) => (address === BLOCKED ? 30_000 : 0),
      },
      usage: { record: (e) => void events.push(e) },
      logRequest: (line) => void lines.push(line),
      resolveKey: (secret) =>
        secret === KEY
          ? Promise.resolve(principal)
          : Promise.reject(new WardenError('invalid_api_key', 'Incorrect API key provided.')),
      models,
      ...policyDeps,
    }),
    (error) => void handlerErrors.push(error),
  )
  let counter = 0
  const exchange = (
    body: unknown,
    options: { apiKey?: string; endpoint?: Exchange['endpoint']; address?: string } = {},
  ) => {
    const controller = new AbortController()
    let reads = 0
    const x = createExchange({
      requestId: `req_${(counter += 1)}`,
      at: 1_000,
      startedAt: 0,
      endpoint: options.endpoint ?? 'chat',
      apiKey: 'apiKey' in options ? options.apiKey : KEY,
      clientAddress: options.address ?? '::ffff:203.0.113.9',
      signal: controller.signal,
      readBody: () => {
        reads += 1
        return Promise.resolve(body)
      },
    })
    return { x, controller, reads: () => reads }
  }
  return { provider, audits, anonymous, events, lines, handlerErrors, pipeline, exchange }
}

const chat = (extra: JsonObject = {}) => ({
  model: 'fake-model',
  messages: [{ role: 'user', content: 'hello there' }],
  ...extra,
})

async function drain(x: Exchange): Promise<JsonObject[]> {
  const out: JsonObject[] = []
  if (x.output?.kind !== 'stream') throw new Error('not a stream')
  for await (const chunk of x.output.chunks) out.push(chunk)
  return out
}

describe('the chat pipeline with a scripted provider', () => {
  it('answers a plain call and settles once, with the upstream usage', async () => {
    const s = setup()
    s.provider.script({ kind: 'json', body: fakeCompletion('hi', { prompt: 7, completion: 2 }) })
    const { x } = s.exchange(chat())
    await s.pipeline.run(x)
    expect(x.output).toMatchObject({
      kind: 'json',
      body: { choices: [{ message: { content: 'hi' } }] },
    })
    expect(s.events).toHaveLength(1)
    expect(s.events[0]).toMatchObject({
      keyId: 'key_1',
      model: 'fake-model',
      promptTokens: 7,
      completionTokens: 2,
      tokensSource: 'upstream',
      status: 200,
      outcome: 'ok',
      errorCode: null,
    })
    expect(s.lines).toEqual([
      expect.objectContaining({
        request_id: x.requestId,
        key_prefix: 'wdn_good',
        status: 200,
        outcome: 'ok',
      }),
    ])
    expect(s.audits).toEqual([])
    expect(s.pipeline.inFlight()).toBe(0)
  })

  it('never reads the body of a request whose key is refused, and audits the refusal', async () => {
    const s = setup()
    const { x, reads } = s.exchange(chat(), { apiKey: 'wdn_bad' })
    await expect(s.pipeline.run(x)).rejects.toMatchObject({ code: 'invalid_api_key' })
    expect(reads()).toBe(0)
    expect(s.provider.calls).toEqual([])
    expect(s.events).toEqual([
      expect.objectContaining({
        status: 401,
        outcome: 'refused',
        errorCode: 'invalid_api_key',
        model: null,
      }),
    ])
    // Not one audit entry per bad key: the roll-up counts it against the client's address.
    expect(s.audits).toEqual([])
    expect(s.anonymous).toEqual([
      { source: '203.0.113.9', code: 'invalid_api_key', endpoint: 'chat' },
    ])
  })

  it('makes an address that sent too many bad keys wait, before any key lookup', async () => {
    const s = setup()
    const { x, reads } = s.exchange(chat(), { address: BLOCKED })
    await expect(s.pipeline.run(x)).rejects.toMatchObject({
      code: 'rate_limit_exceeded',
      status: 429,
      headers: { 'retry-after': '30', 'retry-after-ms': '30000' },
    })
    expect(reads()).toBe(0)
    expect(s.provider.calls).toEqual([])
    expect(s.anonymous).toEqual([])
    // Another address with a good key is served.
    const ok = s.exchange(chat(), { address: '2001:db8::1' })
    s.provider.script({ kind: 'json', body: { id: 'x', choices: [] } })
    await s.pipeline.run(ok.x)
    expect(ok.x.principal?.keyId).toBeDefined()
  })

  it('refuses a model outside the allow-list (audited) and an unknown one (not audited)', async () => {
    const s = setup()
    const refused = s.exchange(chat({ model: 'secret-model' }))
    await expect(s.pipeline.run(refused.x)).rejects.toMatchObject({
      code: 'model_not_allowed',
      status: 403,
    })
    const unknown = s.exchange(chat({ model: 'other-model' }))
    await expect(s.pipeline.run(unknown.x)).rejects.toMatchObject({
      code: 'model_not_found',
      status: 404,
    })
    expect(s.audits.map((a) => (a.details as { code: string }).code)).toEqual(['model_not_allowed'])
    expect(s.events.map((e) => [e.model, e.outcome])).toEqual([
      ['secret-model', 'refused'],
      ['other-model', 'client_error'],
    ])
    expect(s.provider.calls).toEqual([])
  })

  it('names the wrong field of an invalid body and records the model it named', async () => {
    const s = setup()
    const { x } = s.exchange({ model: 'fake-model', messages: [{ role: 'wizard', content: 'x' }] })
    await expect(s.pipeline.run(x)).rejects.toMatchObject({
      code: 'invalid_request_error',
      param: 'messages[0].role',
    })
    expect(s.events[0]).toMatchObject({ model: 'fake-model', status: 400, outcome: 'client_error' })
  })

  it('settles a stream once at its end, hiding the usage chunk the client did not ask for', async () => {
    const s = setup()
    s.provider.script({
      kind: 'stream',
      chunks: fakeChunks(['Hel', 'lo'], { prompt: 5, completion: 2 }),
    })
    const { x } = s.exchange(chat({ stream: true }))
    await s.pipeline.run(x)
    expect(s.events).toEqual([])
    expect(s.pipeline.inFlight()).toBe(1)
    const chunks = await drain(x)
    expect(
      chunks.map((c) => (c.choices as Array<{ delta: { content: string } }>)[0]?.delta.content),
    ).toEqual(['Hel', 'lo'])
    expect(s.provider.calls[0]?.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    })
    expect(s.events).toEqual([
      expect.objectContaining({
        stream: true,
        promptTokens: 5,
        completionTokens: 2,
        outcome: 'ok',
      }),
    ])
    expect(s.pipeline.inFlight()).toBe(0)
  })

  it('passes the usage chunk on when the client asked for it', async () => {
    const s = setup()
    s.provider.script({ kind: 'stream', chunks: fakeChunks(['a'], { prompt: 1, completion: 1 }) })
    const { x } = s.exchange(chat({ stream: true, stream_options: { include_usage: true } }))
    await s.pipeline.run(x)
    expect((await drain(x)).at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 1 } })
  })

  it('settles a stream that fails midway with the failure, counting what was generated', async () => {
    const s = setup()
    s.provider.script({
      kind: 'stream',
      chunks: fakeChunks(['one ', 'two ', 'three']),
      failAfter: 2,
      error: new WardenError('upstream_error', 'reset'),
    })
    const { x } = s.exchange(chat({ stream: true }))
    await s.pipeline.run(x)
    await expect(drain(x)).rejects.toMatchObject({ code: 'upstream_error' })
    expect(s.events).toEqual([
      expect.objectContaining({ status: 502, outcome: 'upstream_error', tokensSource: 'counted' }),
    ])
    expect(s.events[0]?.completionTokens).toBeGreaterThan(0)
  })

  it('settles a stream its client left as cancelled, once, and closes the upstream', async () => {
    const s = setup()
    s.provider.script({ kind: 'stream', chunks: fakeChunks(['a', 'b', 'c', 'd']) })
    const { x, controller } = s.exchange(chat({ stream: true }))
    await s.pipeline.run(x)
    if (x.output?.kind !== 'stream') throw new Error('not a stream')
    const iterator = x.output.chunks[Symbol.asyncIterator]()
    await iterator.next()
    controller.abort()
    await iterator.return?.()
    await iterator.return?.()
    expect(s.events).toEqual([
      expect.objectContaining({
        status: 499,
        outcome: 'cancelled',
        errorCode: 'request_cancelled',
      }),
    ])
    expect(s.provider.closedStreams).toBe(1)
  })

  it('runs every handler once, innermost first, and keeps going when one throws', async () => {
    const s = setup()
    const order: string[] = []
    const pipeline = createPipeline(
      {
        ...endpointStages({
          audit: { append: () => undefined, appendNow: () => Promise.resolve() },
          anonymous: { refused: () => undefined, waitFor: () => 0 },
          usage: { record: () => undefined },
          logRequest: () => undefined,
          resolveKey: () => Promise.resolve(principal),
          ...policyDeps,
          models: createModelRegistry({
            models: [],
            providers: {},
            passthrough: [],
            now: Date.now,
          }),
        }),
        embeddings: [
          onSettle(() => void order.push('outer')),
          onSettle(() => {
            order.push('middle')
            throw new Error('a broken handler')
          }),
          onSettle((_x, end) => void order.push(`inner:${end.outcome}`)),
          () => Promise.reject(new WardenError('upstream_timeout', 'slow')),
        ],
      },
      (error) => void s.handlerErrors.push(error),
    )
    const { x } = s.exchange({}, { endpoint: 'embeddings' })
    await expect(pipeline.run(x)).rejects.toMatchObject({ code: 'upstream_timeout' })
    expect(order).toEqual(['inner:upstream_error', 'middle', 'outer'])
    expect(s.handlerErrors).toHaveLength(1)
  })

  it('reports when every request has settled, for shutdown', async () => {
    const s = setup()
    s.provider.script({ kind: 'stream', chunks: fakeChunks(['a', 'b']), chunkDelayMs: 20 })
    const { x } = s.exchange(chat({ stream: true }))
    await s.pipeline.run(x)
    expect(await s.pipeline.drained(5)).toBe(false)
    const waiting = s.pipeline.drained(5_000)
    await drain(x)
    expect(await waiting).toBe(true)
  })

  it('lists only the models a key may use, and refuses to show another', async () => {
    const s = setup()
    const list = s.exchange(null, { endpoint: 'models' })
    await s.pipeline.run(list.x)
    expect(list.x.output).toEqual({
      kind: 'json',
      body: { object: 'list', data: [expect.objectContaining({ id: 'fake-model' })] },
    })
    const one = s.exchange({ model: 'secret-model' }, { endpoint: 'models' })
    await expect(s.pipeline.run(one.x)).rejects.toMatchObject({ code: 'model_not_allowed' })
  })

  it('counts tokens with the tokenizer when the upstream reports none', async () => {
    const s = setup()
    s.provider.script({ kind: 'json', body: fakeCompletion('four words right here') })
    const { x } = s.exchange(chat())
    await s.pipeline.run(x)
    expect(s.events[0]).toMatchObject({ tokensSource: 'counted', completionTokens: 4 })
    expect(s.events[0]?.promptTokens).toBeGreaterThan(2)
  })
})
