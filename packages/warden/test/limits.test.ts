import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Principal } from '../src/domain/index.js'
import { startHarness, type Harness } from '../src/testing/warden-harness.js'

interface Json {
  [key: string]: unknown
}

const chat = (content = 'hi') => ({
  model: 'stub-model',
  messages: [{ role: 'user' as const, content }],
  max_tokens: 20,
})

/** End-to-end: limits through a real server, its admin API and the official `openai` client. */
describe('limits over HTTP', () => {
  let h: Harness
  let admin: string
  // The server's clock: real time, shifted by what a test sets (to sit near a window's end).
  let offset = 0

  beforeAll(async () => {
    h = await startHarness({
      values: { limits: { enabled: true } },
      now: () => Date.now() + offset,
    })
    const bootstrap = await h.services.adminUsers.bootstrap()
    const login = await call('POST', '/api/admin/login', { token: bootstrap?.token }, null)
    admin = login.body.token as string
  })
  afterAll(async () => {
    await h.close()
  })

  async function call(method: string, path: string, body?: unknown, auth: string | null = admin) {
    const res = await fetch(`${h.url}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(auth ? { authorization: `Bearer ${auth}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    return {
      status: res.status,
      headers: res.headers,
      body: (text ? JSON.parse(text) : {}) as Json,
    }
  }

  /** A new key (its own organization and application) and its principal. */
  async function newKey(): Promise<{ key: string; principal: Principal }> {
    const key = await h.createKey()
    return { key, principal: await h.services.apiKeys.resolveKey(key) }
  }

  it('answers with x-ratelimit-* and refuses the N+1th request with OpenAI 429s', async () => {
    const { key, principal } = await newKey()
    const set = await call('PUT', `/api/admin/limits/keys/${principal.keyId}`, {
      limits: { requests_per_minute: 2 },
    })
    expect(set.status).toBe(200)

    const first = await call('POST', '/v1/chat/completions', chat(), key)
    expect(first.status).toBe(200)
    expect(first.headers.get('x-ratelimit-limit-requests')).toBe('2')
    expect(first.headers.get('x-ratelimit-remaining-requests')).toBe('1')
    expect(first.headers.get('x-ratelimit-reset-requests')).toMatch(/^\d+(\.\d)?s$|^1m0s$/)
    // The sandbox tier's 10,000 tokens a minute, less this request's reservation.
    expect(first.headers.get('x-ratelimit-limit-tokens')).toBe('10000')
    expect(Number(first.headers.get('x-ratelimit-remaining-tokens'))).toBeLessThan(10_000 - 20)

    const streamed = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...chat(), stream: true }),
    })
    expect(streamed.headers.get('content-type')).toContain('text/event-stream')
    expect(streamed.headers.get('x-ratelimit-remaining-requests')).toBe('0')
    await streamed.text()

    const refused = await call('POST', '/v1/chat/completions', chat(), key)
    expect(refused.status).toBe(429)
    expect(refused.body.error).toMatchObject({
      code: 'rate_limit_exceeded',
      type: 'requests',
      param: null,
    })
    expect((refused.body.error as Json).message).toContain(
      `requests per minute (RPM) on API key ${principal.keyId}: Limit 2, Used 2, Requested 1.`,
    )
    const retryAfterMs = Number(refused.headers.get('retry-after-ms'))
    expect(retryAfterMs).toBeGreaterThan(0)
    expect(retryAfterMs).toBeLessThanOrEqual(60_000)
    expect(Number(refused.headers.get('retry-after'))).toBe(Math.ceil(retryAfterMs / 1_000))
    expect(refused.headers.get('x-ratelimit-remaining-requests')).toBe('0')

    await h.services.usage.flush()
    const rows = await h.services.store.db
      .selectFrom('usage_event')
      .selectAll()
      .where('key_id', '=', principal.keyId)
      .execute()
    expect(rows.map((r) => r.error_code)).toEqual([null, null, 'rate_limit_exceeded'])
    expect(rows.at(-1)?.outcome).toBe('refused')
  })

  it('sets, shows and clears limits through the admin API, audited and applied at once', async () => {
    const { key, principal } = await newKey()
    const path = `/api/admin/limits/applications/${principal.appId}`
    expect((await call('GET', path)).body).toEqual({
      level: 'app',
      id: principal.appId,
      overrides: null,
    })
    const bad = await call('PUT', path, { limits: { requests_per_minute: 0 } })
    expect(bad.status).toBe(400)
    expect(bad.body.error).toMatchObject({ param: 'limits.requests_per_minute' })
    expect((await call('PUT', path, { limits: {} }, null)).status).toBe(401)
    expect((await call('GET', `/api/admin/limits/teams/${principal.appId}`)).status).toBe(404)
    expect((await call('GET', '/api/admin/limits/keys/key_missing')).status).toBe(404)

    const set = await call('PUT', path, {
      limits: { requests_per_minute: 1 },
      models: { 'stub-*': { tokens_per_day: 5000 } },
    })
    expect(set.body).toEqual({
      level: 'app',
      id: principal.appId,
      overrides: {
        limits: { requests_per_minute: 1 },
        models: { 'stub-*': { tokens_per_day: 5000 } },
      },
    })
    expect((await call('POST', '/v1/chat/completions', chat(), key)).status).toBe(200)
    expect((await call('POST', '/v1/chat/completions', chat(), key)).status).toBe(429)

    await call('DELETE', path)
    // Back to the sandbox tier's 20 a minute.
    expect((await call('POST', '/v1/chat/completions', chat(), key)).status).toBe(200)

    await h.services.auditLog.flush()
    const actions = (await h.services.auditLog.list({ afterSeq: 0, limit: 1000 }))
      .filter((e) => e.target === principal.appId && e.action.startsWith('limits.'))
      .map((e) => e.action)
    expect(actions).toEqual(['limits.set', 'limits.clear'])
  })

  it("reads a key's consumption and what is left by its id, for a usage view", async () => {
    const { key, principal } = await newKey()
    expect((await call('POST', '/v1/chat/completions', chat(), key)).status).toBe(200)
    expect((await call('POST', '/v1/chat/completions', chat(), key)).status).toBe(200)
    const subject = await h.services.limitOverrides.subjectOfKey(principal.keyId)
    if (subject === undefined) throw new Error('no such key')
    const limiter = h.services.limits?.limiter
    const tier = h.services.policyVersions.snapshot().tier(subject.tier)
    const rows = (await limiter?.usage(subject, tier, null)) ?? []
    expect(rows.find((r) => r.level === 'app' && r.name === 'requests_per_minute')).toMatchObject({
      scope: principal.appId,
      limit: 20,
      used: 2,
      remaining: 18,
    })
    expect(await h.services.limitOverrides.subjectOfKey('key_missing')).toBeUndefined()
  })

  it("has the openai client's own retry wait out Retry-After and get through", async () => {
    const { key, principal } = await newKey()
    await h.services.limitOverrides.set(
      'key',
      principal.keyId,
      {
        limits: { requests_per_minute: 1 },
      },
      'test',
    )
    const attempts: Array<{ at: number; status: number; retryAfterMs: number | null }> = []
    const client = new OpenAI({
      apiKey: key,
      baseURL: h.baseURL,
      maxRetries: 2,
      fetch: async (url, init) => {
        const at = performance.now()
        const res = await fetch(url, init)
        const header = res.headers.get('retry-after-ms')
        attempts.push({
          at,
          status: res.status,
          retryAfterMs: header === null ? null : Number(header),
        })
        return res
      },
    })
    // The server's clock 0.8 s before the end of a minute: the second request waits that out.
    offset = 0
    offset = 59_200 - (Date.now() % 60_000)
    try {
      await client.chat.completions.create(chat())
      const second = await client.chat.completions.create(chat())
      expect(second.choices[0]?.message.content).toBeTypeOf('string')
    } finally {
      offset = 0
    }
    expect(attempts.map((a) => a.status)).toEqual([200, 429, 200])
    const refused = attempts[1] as (typeof attempts)[number]
    expect(refused.retryAfterMs).toBeGreaterThan(0)
    expect(refused.retryAfterMs).toBeLessThanOrEqual(800)
    // The client waited at least what the 429 asked for before trying again.
    const waited = (attempts[2]?.at ?? 0) - refused.at
    expect(waited).toBeGreaterThanOrEqual(refused.retryAfterMs ?? Infinity)
  })
  it('shows each key, application and the organization what it has used and what is left', async () => {
    const first = await h.createKey({ org: 'usage-org', app: 'usage-app' })
    const second = await h.createKey({ org: 'usage-org', app: 'usage-app' })
    const org = await h.services.organizations.findOrganization('usage-org')
    const principal = await h.services.apiKeys.resolveKey(first)
    expect(
      (
        await call('PUT', `/api/admin/limits/organizations/${org?.id ?? ''}`, {
          limits: { requests_per_minute: 100 },
        })
      ).status,
    ).toBe(200)
    for (const key of [first, first, second]) {
      expect((await call('POST', '/v1/chat/completions', chat(), key)).status).toBe(200)
    }

    type Line = { name: string; used: number; remaining: number; limit: number }
    type View = {
      organization: { limits: Line[] }
      applications: Array<{ name: string; tier: string; limits: Line[] }>
      keys: Array<{ id: string; limits: Line[] }>
      counters: string
    }
    const rpm = (lines: Line[]) => lines.find((l) => l.name === 'requests_per_minute')
    // Settlements go out after the answers: the requests counted at reservation already.
    const view = (await call('GET', '/api/admin/usage?org=usage-org')).body as unknown as View
    expect(view.counters).toBe('memory')
    expect(rpm(view.organization.limits)).toMatchObject({ limit: 100, used: 3, remaining: 97 })
    expect(view.applications).toHaveLength(1)
    expect(view.applications[0]).toMatchObject({ name: 'usage-app', tier: 'sandbox' })
    expect(rpm(view.applications[0]?.limits ?? [])).toMatchObject({
      limit: 20,
      used: 3,
      remaining: 17,
    })
    expect(view.keys.map((k) => k.id)).toContain(principal.keyId)
    // Keys have no limits of their own here: the tier applies at the application's level.
    expect(view.keys.every((k) => k.limits.length === 0)).toBe(true)

    // A member sees their own organization's usage, and nobody else's.
    const invite = await h.services.adminUsers.invite({
      orgId: org?.id ?? '',
      role: 'org_developer',
      username: 'usage-dev',
      actor: 'test',
    })
    const member = (await call('POST', '/api/admin/login', { token: invite.token }, null)).body
      .token as string
    const portal = await call('GET', '/api/portal/usage', undefined, member)
    expect(portal.status).toBe(200)
    expect(rpm((portal.body as unknown as View).organization.limits)?.used).toBe(3)
    expect((await call('GET', '/api/admin/usage?org=usage-org', undefined, member)).status).toBe(
      403,
    )
    expect((await call('GET', '/api/admin/usage?org=nowhere')).status).toBe(404)
    expect((await call('GET', '/api/admin/usage')).status).toBe(400)
    expect((await call('GET', '/api/portal/usage', undefined, null)).status).toBe(401)
  })
})
