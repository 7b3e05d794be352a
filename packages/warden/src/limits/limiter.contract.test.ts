import { readFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { WardenError, type LevelOverrides, type Principal } from '../domain/index.js'
import { DEFAULT_POLICY_FILE, parsePolicy, type PolicyTier } from '../policy/index.js'
import { counterBackendKinds } from '../testing/counter-backends.js'
import { createManualClock, type ManualClock } from '../testing/store-fixture.js'
import { createLimiter, type Limiter, type ReserveInput } from './limiter.js'

const sandbox = parsePolicy(readFileSync(DEFAULT_POLICY_FILE, 'utf8')).document.tiers.find(
  (t) => t.id === 'sandbox',
) as PolicyTier

/** The sandbox tier with room for every test's requests, but for the limits given. */
const tierWith = (limits: Partial<PolicyTier['limits']>, extra: Partial<PolicyTier> = {}) => ({
  ...sandbox,
  limits: { ...sandbox.limits, concurrent_requests: 100, ...limits },
  ...extra,
})

let ids = 0
function principalWith(limits: Partial<LevelOverrides> = {}): Principal {
  ids += 1
  return {
    keyId: `key_${ids}`,
    keyPrefix: 'wdn_test',
    appId: `app_${ids}`,
    orgId: `org_${ids}`,
    allowedModels: null,
    tier: 'sandbox',
    appStatus: 'active',
    acceptedPolicyVersion: null,
    limits: { key: null, app: null, org: null, ...limits },
  }
}

/** The refusal a promise rejects with. */
async function refusalOf(promise: Promise<unknown>): Promise<WardenError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof WardenError) return error
    throw error
  }
  throw new Error('expected a refusal')
}

// 2025-01-01T00:00:10Z: ten seconds into a minute window.
const START = Date.UTC(2025, 0, 1, 0, 0, 10)

describe.each(counterBackendKinds(process.env.WARDEN_TEST_REDIS_URL))(
  'limiter on $name',
  (kind) => {
    let clock: ManualClock
    let limiter: Limiter
    let leases = 0
    const settleErrors: unknown[] = []
    beforeEach(() => {
      clock = createManualClock(START)
      limiter = createLimiter({
        backend: kind.create(),
        now: clock.now,
        defaultMaxTokens: 100,
        onSettleError: (error) => void settleErrors.push(error),
      })
    })
    afterEach(async () => {
      await limiter.close()
      expect(settleErrors).toEqual([])
    })

    const request = (principal: Principal, tier: PolicyTier, more: Partial<ReserveInput> = {}) =>
      limiter.reserve({
        principal,
        tier,
        model: 'gpt-4o',
        promptTokens: 10,
        maxTokens: 10,
        lease: `req_${(leases += 1)}`,
        ...more,
      })
    /** What one limit of one level has used, from the usage view. */
    const used = async (principal: Principal, tier: PolicyTier, level: string, name: string) =>
      (await limiter.usage(principal, tier, 'gpt-4o')).find(
        (u) => u.level === level && u.name === name && u.model === null,
      )?.used

    it('passes the Nth request of a minute and refuses the N+1th with 429 requests', async () => {
      const tier = tierWith({ requests_per_minute: 3 })
      const principal = principalWith()
      for (let i = 0; i < 3; i += 1) {
        const lease = await request(principal, tier)
        expect(lease.headers?.['x-ratelimit-remaining-requests']).toBe(String(2 - i))
        lease.settle(20)
      }
      const refused = await refusalOf(request(principal, tier))
      expect(refused.status).toBe(429)
      expect(refused.toBody().error).toMatchObject({
        code: 'rate_limit_exceeded',
        type: 'requests',
      })
      expect(refused.message).toContain('requests per minute (RPM) on application')
      expect(refused.message).toContain('Limit 3, Used 3, Requested 1')
      expect(refused.headers).toMatchObject({
        'retry-after': '50',
        'retry-after-ms': '50000',
        'x-ratelimit-limit-requests': '3',
        'x-ratelimit-remaining-requests': '0',
        'x-ratelimit-reset-requests': '50s',
      })
      expect(refused.clause).toBe('tier.sandbox')
    })

    it('starts the count over when the minute rolls over', async () => {
      const tier = tierWith({ requests_per_minute: 2 })
      const principal = principalWith()
      await request(principal, tier)
      await request(principal, tier)
      await refusalOf(request(principal, tier))
      clock.advance(49_999)
      await refusalOf(request(principal, tier))
      clock.advance(1)
      const lease = await request(principal, tier)
      expect(lease.headers?.['x-ratelimit-remaining-requests']).toBe('1')
      expect(lease.headers?.['x-ratelimit-reset-requests']).toBe('1m0s')
    })

    it('lets the tightest level decide and consumes nothing anywhere when one refuses', async () => {
      const tier = tierWith({ requests_per_minute: 100 })
      const principal = principalWith({
        key: { limits: { requests_per_minute: 2 } },
        org: { limits: { requests_per_minute: 50 } },
      })
      await request(principal, tier)
      await request(principal, tier)
      const refused = await refusalOf(request(principal, tier))
      expect(refused.message).toContain(`on API key ${principal.keyId}`)
      expect(refused.clause).toBeNull()
      // The refused request took nothing from the application or the organization.
      expect(await used(principal, tier, 'app', 'requests_per_minute')).toBe(2)
      expect(await used(principal, tier, 'org', 'requests_per_minute')).toBe(2)
      expect(await used(principal, tier, 'key', 'requests_per_minute')).toBe(2)
    })

    it('reserves prompt plus max_tokens, refunds what was not used and charges what went over', async () => {
      const tier = tierWith({ tokens_per_minute: 1_000 })
      const principal = principalWith()
      const lease = await request(principal, tier, { promptTokens: 50, maxTokens: 200 })
      expect(lease.tokens).toBe(250)
      expect(lease.headers?.['x-ratelimit-remaining-tokens']).toBe('750')
      expect(await used(principal, tier, 'app', 'tokens_per_minute')).toBe(250)
      lease.settle(80)
      await expect.poll(() => used(principal, tier, 'app', 'tokens_per_minute')).toBe(80)
      lease.settle(1_000) // settles once: a second call changes nothing
      const over = await request(principal, tier, { promptTokens: 50, maxTokens: 50 })
      over.settle(400)
      await expect.poll(() => used(principal, tier, 'app', 'tokens_per_minute')).toBe(480)
      expect(await used(principal, tier, 'app', 'tokens_per_day')).toBe(480)
    })

    it('uses the tier default for a request without max_tokens, then the configured one', async () => {
      const principal = principalWith()
      const lease = await request(principal, tierWith({}, { default_max_tokens: 300 }), {
        maxTokens: null,
      })
      expect(lease.tokens).toBe(310)
      const other = await request(principalWith(), tierWith({}), { maxTokens: null })
      expect(other.tokens).toBe(110)
    })

    it('refuses a token overrun with 429 tokens and lets the tokens refund make room', async () => {
      const tier = tierWith({ tokens_per_minute: 100 })
      const principal = principalWith()
      const lease = await request(principal, tier, { promptTokens: 20, maxTokens: 60 })
      const refused = await refusalOf(request(principal, tier, { promptTokens: 20, maxTokens: 60 }))
      expect(refused.toBody().error).toMatchObject({ code: 'rate_limit_exceeded', type: 'tokens' })
      expect(refused.message).toContain('Limit 100, Used 80, Requested 80')
      lease.settle(30)
      await expect.poll(() => used(principal, tier, 'app', 'tokens_per_minute')).toBe(30)
      await request(principal, tier, { promptTokens: 20, maxTokens: 50 })
    })

    it('refuses the daily budget with insufficient_quota until 00:00 UTC', async () => {
      clock.advance(Date.UTC(2025, 0, 1, 23, 59, 59) - START)
      const tier = tierWith({ tokens_per_day: 100, tokens_per_minute: 1_000 })
      const principal = principalWith()
      ;(await request(principal, tier, { promptTokens: 50, maxTokens: 50 })).settle(100)
      const refused = await refusalOf(request(principal, tier, { promptTokens: 1, maxTokens: 1 }))
      expect(refused.code).toBe('insufficient_quota')
      expect(refused.toBody().error.type).toBe('insufficient_quota')
      expect(refused.message).toContain('resets at 00:00 UTC')
      expect(refused.headers?.['retry-after']).toBe('1')
      clock.advance(999)
      await refusalOf(request(principal, tier, { promptTokens: 1, maxTokens: 1 }))
      clock.advance(1)
      const lease = await request(principal, tier, { promptTokens: 1, maxTokens: 1 })
      // The day's budget is the tightest tokens limit now, so the headers speak of it.
      expect(lease.headers?.['x-ratelimit-remaining-tokens']).toBe('98')
      expect(lease.headers?.['x-ratelimit-reset-tokens']).toBe('24h0m0s')
    })

    it('holds concurrency slots until settled', async () => {
      const tier = tierWith({ concurrent_requests: 2 })
      const principal = principalWith()
      const first = await request(principal, tier)
      await request(principal, tier)
      const refused = await refusalOf(request(principal, tier))
      expect(refused.message).toContain('concurrent requests on application')
      expect(refused.headers?.['retry-after']).toBe('1')
      first.settle(0)
      await expect.poll(() => used(principal, tier, 'app', 'concurrent_requests')).toBe(1)
      await request(principal, tier)
    })

    it('counts a model override apart and refuses only that model', async () => {
      const tier = tierWith({ requests_per_minute: 100 })
      const principal = principalWith({
        app: { models: { 'gpt-4o*': { requests_per_minute: 1 } } },
      })
      await request(principal, tier, { model: 'gpt-4o-mini' })
      const refused = await refusalOf(request(principal, tier, { model: 'gpt-4o' }))
      expect(refused.message).toContain('for models gpt-4o*')
      await request(principal, tier, { model: 'llama-3' })
    })

    it("lets an application's override replace its tier's value", async () => {
      const tier = tierWith({ requests_per_minute: 1 })
      const principal = principalWith({ app: { limits: { requests_per_minute: 3 } } })
      await request(principal, tier)
      await request(principal, tier)
      await request(principal, tier)
      const refused = await refusalOf(request(principal, tier))
      expect(refused.message).toContain('Limit 3')
    })

    it('says when a request alone is over a limit', async () => {
      const tier = tierWith({ tokens_per_minute: 100 })
      const refused = await refusalOf(
        request(principalWith(), tier, { promptTokens: 90, maxTokens: 50 }),
      )
      expect(refused.message).toContain('This request alone is over the limit')
    })
  },
)
