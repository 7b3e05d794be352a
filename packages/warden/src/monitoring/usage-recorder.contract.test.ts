import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ENDPOINTS, type UsageEvent } from '../domain/index.js'
import type { UsageEventTable } from '../store/index.js'
import { testDatabaseKinds } from '../testing/databases.js'
import { openStoreFixture, type StoreFixture } from '../testing/store-fixture.js'
import { createUsageRecorder, type UsageRecorder } from './usage-recorder.js'

// Past 2^32, so a 32-bit integer column or a bigint-as-string driver would show.
const T0 = 1_750_000_000_000

function usageEvent(i: number): UsageEvent {
  return {
    requestId: `req_${String(i).padStart(5, '0')}`,
    at: T0 + i * 1_000,
    endpoint: ENDPOINTS[i % ENDPOINTS.length] ?? 'chat',
    keyId: i % 7 === 0 ? null : `key_${i % 5}`,
    appId: i % 7 === 0 ? null : `app_${i % 3}`,
    orgId: i % 7 === 0 ? null : 'org_1',
    model: i % 11 === 0 ? null : 'gpt-4o-mini',
    stream: i % 2 === 0,
    promptTokens: i * 3,
    completionTokens: 100_000 + i,
    tokensSource: i % 3 === 0 ? 'counted' : 'upstream',
    gatewayMs: 1.25 + i / 8,
    upstreamMs: i * 10.5,
    status: i % 13 === 0 ? 502 : 200,
    outcome: i % 13 === 0 ? 'upstream_error' : 'ok',
    errorCode: i % 13 === 0 ? 'upstream_error' : null,
    clause: i % 17 === 0 ? 'tier.sandbox' : null,
    clientSource: i % 7 === 0 ? null : i % 2 === 0 ? '203.0.113.9' : '2001:db8:1:2::/64',
    userAgent: i % 5 === 0 ? null : 'OpenAI/Python 1.99.0',
    tier: i % 7 === 0 ? null : i % 2 === 0 ? 'sandbox' : 'production',
    sandbox: i % 7 !== 0 && i % 2 === 0,
    contentAction: (['none', 'flag', 'redact', 'block'] as const)[i % 4] ?? 'none',
    harmAction: (['none', 'flag', 'block'] as const)[i % 3] ?? 'none',
    injection: i % 9 === 0,
    promptSignature: i % 3 === 0 ? null : '0123456789abcdef',
    completionSignature: i % 4 === 0 ? null : 'fedcba9876543210',
  }
}

/** The row a usage event should be stored as. */
function expectedRow(e: UsageEvent): UsageEventTable {
  return {
    request_id: e.requestId,
    at: e.at,
    endpoint: e.endpoint,
    key_id: e.keyId,
    app_id: e.appId,
    org_id: e.orgId,
    model: e.model,
    stream: e.stream ? 1 : 0,
    prompt_tokens: e.promptTokens,
    completion_tokens: e.completionTokens,
    tokens_source: e.tokensSource,
    gateway_ms: e.gatewayMs,
    upstream_ms: e.upstreamMs,
    status: e.status,
    outcome: e.outcome,
    error_code: e.errorCode,
    clause: e.clause,
    client_source: e.clientSource,
    user_agent: e.userAgent,
    tier: e.tier,
    sandbox: e.sandbox ? 1 : 0,
    content_action: e.contentAction,
    harm_action: e.harmAction,
    injection: e.injection ? 1 : 0,
    prompt_signature: e.promptSignature,
    completion_signature: e.completionSignature,
  }
}

describe.each(testDatabaseKinds(process.env.WARDEN_TEST_DATABASE_URL))(
  'usage recorder contract on $name',
  (kind) => {
    let fx: StoreFixture
    let recorders: UsageRecorder[]
    let writeErrors: unknown[]

    beforeEach(async () => {
      fx = await openStoreFixture(kind)
      recorders = []
      writeErrors = []
    })
    afterEach(async () => {
      for (const recorder of recorders) await recorder.close()
      await fx.close()
    })

    function recorder(options: { batchSize?: number; maxQueue?: number } = {}) {
      const created = createUsageRecorder({
        store: fx.store,
        batchSize: options.batchSize ?? 500,
        // Only flush() and full batches write, so the test decides when.
        flushIntervalMs: 3_600_000,
        maxQueue: options.maxQueue ?? 100_000,
        onError: (error) => writeErrors.push(error),
      })
      recorders.push(created)
      return created
    }

    // The feed's position columns (PostgreSQL only) are the store's business, not the event's.
    const storedRows = async () =>
      (await fx.store.db.selectFrom('usage_event').selectAll().orderBy('request_id').execute()).map(
        (row) =>
          Object.fromEntries(
            Object.entries(row).filter(([column]) => !column.startsWith('feed_')),
          ) as typeof row,
      )

    it('stores 1,234 events with every field round-tripped, numbers as numbers', async () => {
      const usage = recorder()
      const events = Array.from({ length: 1_234 }, (_, i) => usageEvent(i))

      for (const event of events) usage.record(event)
      await usage.flush()

      const rows = await storedRows()
      expect(rows).toHaveLength(1_234)
      expect(rows).toEqual(events.map(expectedRow))
      expect(typeof rows[1_233]?.at).toBe('number')
      expect(usage.stats()).toEqual({ queued: 0, written: 1_234, dropped: 0, failedWrites: 0 })
      expect(writeErrors).toEqual([])
    })

    it('returns from record at once and writes nothing until a batch fills or flush is called', async () => {
      const usage = recorder({ batchSize: 1_000 })

      const returned = [usageEvent(1), usageEvent(2), usageEvent(3)].map((e) => usage.record(e))

      expect(returned).toEqual([undefined, undefined, undefined])
      expect(usage.stats()).toEqual({ queued: 3, written: 0, dropped: 0, failedWrites: 0 })
      expect(await storedRows()).toEqual([])
      await usage.flush()
      expect(await storedRows()).toHaveLength(3)
    })

    it('drops and counts events beyond maxQueue without throwing, keeping the oldest', async () => {
      const usage = recorder({ batchSize: 1_000, maxQueue: 100 })
      const events = Array.from({ length: 150 }, (_, i) => usageEvent(i))

      expect(() => {
        for (const event of events) usage.record(event)
      }).not.toThrow()

      expect(usage.stats()).toEqual({ queued: 100, written: 0, dropped: 50, failedWrites: 0 })
      await usage.flush()
      expect(await storedRows()).toEqual(events.slice(0, 100).map(expectedRow))
      usage.record(usageEvent(500))
      expect(usage.stats()).toMatchObject({ queued: 1, dropped: 50 })
    })

    it('keeps events and counts the failure, without throwing, while the table is unavailable', async () => {
      const usage = recorder()
      await fx.store.db.schema.alterTable('usage_event').renameTo('usage_event_away').execute()

      usage.record(usageEvent(1))
      await usage.flush()

      expect(usage.stats()).toEqual({ queued: 1, written: 0, dropped: 0, failedWrites: 1 })
      expect(writeErrors).toHaveLength(1)
      await fx.store.db.schema.alterTable('usage_event_away').renameTo('usage_event').execute()
      await usage.flush()
      expect(usage.stats()).toEqual({ queued: 0, written: 1, dropped: 0, failedWrites: 1 })
      expect(await storedRows()).toEqual([expectedRow(usageEvent(1))])
    })

    it('writes what was recorded after an idle flush (a flush with nothing to do leaves no stale writer)', async () => {
      const usage = recorder()

      await usage.flush()
      usage.record(usageEvent(7))
      await usage.flush()

      expect(await storedRows()).toEqual([expectedRow(usageEvent(7))])
      expect(writeErrors).toEqual([])
    })
  },
)
