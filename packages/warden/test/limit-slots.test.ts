import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Principal } from '../src/domain/index.js'
import type { StubBehavior } from '../src/testing/stub-upstream.js'
import { startHarness, type Harness } from '../src/testing/warden-harness.js'

const SLOTS = 4
const BATCH = 10
const REQUESTS = 1_000

/** How each batch of requests fails (or not), and what the client does. */
const KINDS: ReadonlyArray<{ name: string; stub: StubBehavior; stream: boolean; leave?: boolean }> =
  [
    { name: 'success', stub: { kind: 'reply', content: 'fine' }, stream: false },
    { name: 'upstream error', stub: { kind: 'status', status: 500 }, stream: false },
    { name: 'upstream reset', stub: { kind: 'reset' }, stream: false },
    { name: 'timeout', stub: { kind: 'hang' }, stream: false },
    {
      name: 'client leaves mid-stream',
      stub: { kind: 'reply', content: 'one two three four five six', chunkDelayMs: 20 },
      stream: true,
      leave: true,
    },
    {
      name: 'upstream breaks the stream',
      stub: { kind: 'reset-mid-stream', afterChunks: 2 },
      stream: true,
    },
    {
      name: 'a stage fails mid-stream',
      stub: { kind: 'malformed-chunk', afterChunks: 1 },
      stream: true,
    },
  ]

const redisUrl = process.env.WARDEN_TEST_REDIS_URL
const backends = [
  { name: 'memory', limits: {} },
  ...(redisUrl
    ? [
        {
          name: 'redis',
          limits: { redisUrl, redisPrefix: `warden-test:${randomBytes(6).toString('hex')}:` },
        },
      ]
    : []),
]

/** Concurrency slots come back on every path, on each counter backend. */
describe.each(backends)('concurrency slots on $name', (backend) => {
  let h: Harness
  let key: string
  let principal: Principal

  beforeAll(async () => {
    h = await startHarness({
      values: { limits: { enabled: true, ...backend.limits } },
      provider: { maxRetries: 0, timeoutMs: 150 },
    })
    key = await h.createKey()
    principal = await h.services.apiKeys.resolveKey(key)
    await h.services.limitOverrides.set(
      'app',
      principal.appId,
      {
        limits: {
          concurrent_requests: SLOTS,
          requests_per_minute: 100_000,
          tokens_per_minute: 1e9,
          tokens_per_day: 1e9,
        },
      },
      'test',
    )
  })
  afterAll(async () => {
    await h.close()
  })

  /** One request as the client of `kind` makes it; resolves to its status. */
  async function send(kind: (typeof KINDS)[number]): Promise<number> {
    const controller = new AbortController()
    try {
      const res = await fetch(`${h.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'stub-model',
          messages: [{ role: 'user', content: kind.name }],
          stream: kind.stream,
        }),
        signal: controller.signal,
      })
      if (kind.leave === true && res.status === 200) {
        const reader = res.body?.getReader()
        await reader?.read()
        controller.abort()
      } else {
        await res.text()
      }
      return res.status
    } catch {
      return 0
    }
  }

  const slotsInUse = async () =>
    (
      await h.services.limits?.limiter.usage(
        principal,
        h.services.policyVersions.snapshot().tier(principal.tier),
        'stub-model',
      )
    )?.find((u) => u.level === 'app' && u.name === 'concurrent_requests')?.used

  it(`frees every slot after ${REQUESTS} mixed failures`, async () => {
    const statuses = new Map<number, number>()
    for (let sent = 0, batch = 0; sent < REQUESTS; sent += BATCH, batch += 1) {
      const kind = KINDS[batch % KINDS.length] as (typeof KINDS)[number]
      h.stub.setDefault(kind.stub)
      const results = await Promise.all(Array.from({ length: BATCH }, () => send(kind)))
      for (const status of results) statuses.set(status, (statuses.get(status) ?? 0) + 1)
      await expect.poll(() => h.services.pipeline.inFlight()).toBe(0)
    }
    h.stub.setDefault({ kind: 'reply', content: 'fine' })
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(REQUESTS)
    // Batches were larger than the slots: some of every kind were refused, which frees nothing.
    expect(statuses.get(429)).toBeGreaterThan(0)
    expect(statuses.get(200)).toBeGreaterThan(0)
    // Settlements go out within a moment of the answers (see `settleDelayMs`).
    await expect.poll(slotsInUse).toBe(0)

    // All the slots can be held at once again.
    h.stub.setDefault({ kind: 'reply', content: 'slow', delayMs: 100 })
    const again = await Promise.all(
      Array.from({ length: SLOTS }, () => send(KINDS[0] as (typeof KINDS)[number])),
    )
    expect(again).toEqual(Array.from({ length: SLOTS }, () => 200))
    h.stub.setDefault({ kind: 'reply', content: 'fine' })
    await expect.poll(slotsInUse).toBe(0)
  })
})
