import { createRedactor } from '../moderation/index.js'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { Principal } from '../domain/index.js'
import { createLimiter, createMemoryCounter, type Limiter } from '../limits/index.js'
import { createPolicySnapshot, DEFAULT_POLICY_FILE, parsePolicy } from '../policy/index.js'
import { createModelRegistry } from '../providers/index.js'
import { createFakeProvider, fakeCompletion } from '../testing/fake-provider.js'
import { endpointStages } from './endpoints.js'
import { createExchange, type Exchange } from './exchange.js'
import { createPipeline } from './pipeline.js'
import { rateLimit } from './rate-limit.js'
import { chatMeter } from './token-meters.js'
import type { Stage } from './stage.js'

const principal: Principal = {
  keyId: 'key_1',
  keyPrefix: 'wdn_good',
  appId: 'app_1',
  orgId: 'org_1',
  allowedModels: null,
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

function setup() {
  const provider = createFakeProvider()
  const limiter: Limiter = createLimiter({
    backend: createMemoryCounter(),
    now: Date.now,
    defaultMaxTokens: 100,
    onSettleError: (error) => {
      throw error
    },
  })
  const models = createModelRegistry({
    models: [{ id: 'fake-model', provider: 'fake', ownedBy: 'warden' }],
    providers: { fake: provider },
    passthrough: [],
    now: Date.now,
  })
  const deps = {
    audit: { append: () => undefined, appendNow: () => Promise.resolve() },
    usage: { record: () => undefined },
    logRequest: () => undefined,
    resolveKey: () => Promise.resolve(principal),
    models,
    policy: () => policy,
    now: Date.now,
    publicUrl: '',
    limiter,
    anonymous: { refused: () => undefined, waitFor: () => 0 },
    findings: { record: () => undefined },
    contentTexts: { record: () => undefined },
    contentFilter: null,
    createRedactor,
    observers: [],
    outputWindow: { holdBackChars: 64, checkEveryChars: 96, contextChars: 128, maxHoldChars: 4096 },
  }
  let counter = 0
  const exchange = (body: unknown) => {
    const controller = new AbortController()
    const x = createExchange({
      requestId: `req_${(counter += 1)}`,
      at: Date.now(),
      startedAt: 0,
      endpoint: 'chat',
      apiKey: 'wdn_good',
      clientAddress: '127.0.0.1',
      signal: controller.signal,
      readBody: () => Promise.resolve(body),
    })
    return { x, controller }
  }
  const used = async (name: string) =>
    (await limiter.usage(principal, policy.tier(null), 'fake-model')).find(
      (u) => u.level === 'app' && u.name === name,
    )?.used
  return { provider, limiter, deps, exchange, used, models }
}

const chat = (extra: Record<string, unknown> = {}) => ({
  model: 'fake-model',
  messages: [{ role: 'user', content: 'hello there' }],
  max_tokens: 50,
  ...extra,
})

describe('the limits stage in the chat pipeline', () => {
  it('settles a plain answer against the usage the upstream reported', async () => {
    const s = setup()
    const pipeline = createPipeline(endpointStages(s.deps), (error) => {
      throw error
    })
    s.provider.script({ kind: 'json', body: fakeCompletion('hi', { prompt: 7, completion: 2 }) })
    const { x } = s.exchange(chat())
    await pipeline.run(x)
    expect(x.responseHeaders?.['x-ratelimit-remaining-requests']).toBe('19')
    // Settled once the answer is out, at the end of this turn of the event loop.
    await expect.poll(() => s.used('tokens_per_minute')).toBe(9)
    expect(await s.used('concurrent_requests')).toBe(0)
  })

  it('frees the slot of a stream the client leaves, charging the tokens it got', async () => {
    const s = setup()
    const pipeline = createPipeline(endpointStages(s.deps), (error) => {
      throw error
    })
    s.provider.script({
      kind: 'stream',
      chunks: ['one ', 'two ', 'three'].map((content) => ({
        choices: [{ index: 0, delta: { content } }],
      })),
    })
    const { x } = s.exchange(chat({ stream: true }))
    await pipeline.run(x)
    expect(await s.used('concurrent_requests')).toBe(1)
    if (x.output?.kind !== 'stream') throw new Error('not a stream')
    for await (const chunk of x.output.chunks) {
      expect(chunk).toBeDefined()
      break
    }
    await expect.poll(() => s.used('concurrent_requests')).toBe(0)
    // What was generated before the client left, and the prompt, counted with a tokenizer.
    expect(await s.used('tokens_per_minute')).toBeGreaterThan(0)
    expect(await s.used('tokens_per_minute')).toBeLessThan(50)
  })

  it('frees the slot and refunds every token when a later stage throws', async () => {
    const s = setup()
    const route = await s.models.resolve('fake-model')
    const prepare: Stage = (x: Exchange, next) => {
      x.principal = principal
      x.body = chat()
      x.route = route
      return next()
    }
    const fail: Stage = () => Promise.reject(new Error('a bug in a later stage'))
    const stages = [
      prepare,
      rateLimit({ limiter: s.limiter, policy: () => policy }, chatMeter),
      fail,
    ]
    const pipeline = createPipeline(
      {
        chat: stages,
        completions: [],
        embeddings: [],
        models: [],
        responses: [],
        moderations: [],
      },
      (error) => {
        throw error
      },
    )
    const { x } = s.exchange(chat())
    await expect(pipeline.run(x)).rejects.toThrow('a bug in a later stage')
    await expect.poll(() => s.used('concurrent_requests')).toBe(0)
    expect(await s.used('tokens_per_minute')).toBe(0)
    expect(await s.used('requests_per_minute')).toBe(1)
  })
})
