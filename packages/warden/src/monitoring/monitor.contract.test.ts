import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { UsageEvent } from '../domain/index.js'
import { loadPolicyFile, parsePolicy } from '../policy/index.js'
import { testDatabaseKinds } from '../testing/databases.js'
import { createManualClock, wardenErrorOf, type ManualClock } from '../testing/store-fixture.js'
import { usageEventOf } from '../testing/usage-events.js'
import { startHarness, type Harness } from '../testing/warden-harness.js'

const MINUTE = 60_000

describe.each(testDatabaseKinds(process.env.WARDEN_TEST_DATABASE_URL))(
  'monitor contract on $name',
  (database) => {
    let h: Harness
    let clock: ManualClock
    let subject: { keyId: string; appId: string; orgId: string }

    beforeEach(async () => {
      clock = createManualClock(Date.UTC(2025, 5, 2, 9))
      // The schedule is off: each test reads the feed when it says so.
      h = await startHarness({
        database,
        now: clock.now,
        values: { monitoring: { enabled: false } },
      })
      await h.createKey({ org: 'acme', app: 'bot' })
      const [key] = await h.services.apiKeys.listKeys()
      if (!key) throw new Error('no key')
      subject = { keyId: key.id, appId: key.appId, orgId: key.orgId }
      expect(await h.services.monitor.tick()).toEqual({ held: true, consumed: 0 })
    })
    afterEach(async () => {
      await h.close()
    })

    async function feed(events: readonly UsageEvent[]) {
      for (const event of events) h.services.usage.record(event)
      await h.services.usage.flush()
      return h.services.monitor.tick()
    }

    /** `count` requests of the key spread over the minute starting at `from`. */
    const burst = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) =>
        usageEventOf({ ...subject, at: from + Math.floor((i * MINUTE) / count) }),
      )

    it('keeps one open incident per detector and subject, escalates it, and throttles at high', async () => {
      // The operator's policy throttles volume spikes at high (the default one only tells).
      const current = await loadPolicyFile(null)
      await h.services.policyVersions.publish(
        parsePolicy(
          current.source.replace(
            'volume_spike: { medium: [notify], high: [notify] }',
            'volume_spike: { medium: [notify], high: [notify, throttle] }',
          ),
        ),
        { actor: 'admin:test' },
      )
      await h.services.policyVersions.load()
      const start = clock.now()
      await feed(burst(start, 400))
      let incidents = await h.services.incidents.list({ detector: 'volume_spike' })
      expect(incidents.map((i) => [i.subject.kind, i.severity]).sort()).toEqual([
        ['app', 'medium'],
        ['key', 'medium'],
      ])
      // The next minutes keep it up, three times harder: the same incidents, now high.
      await feed(burst(start + MINUTE, 1_200))
      await feed(burst(start + 2 * MINUTE, 1_200))
      incidents = await h.services.incidents.list({ detector: 'volume_spike' })
      expect(incidents).toHaveLength(2)
      const onKey = incidents.find((i) => i.subject.kind === 'key')
      expect(onKey).toMatchObject({ severity: 'high', status: 'mitigated', keyId: subject.keyId })
      expect(onKey?.occurrences).toBeGreaterThanOrEqual(2)

      // High sets off a throttle: the key's limits are tightened, and loosened again on time.
      const mitigations = await h.services.mitigations.of(onKey?.id ?? '')
      expect(mitigations.map((m) => `${m.kind} ${m.state}`).sort()).toEqual([
        'notify skipped',
        'throttle applied',
      ])
      expect(await h.services.limitOverrides.get('key', subject.keyId)).toEqual({
        limits: { requests_per_minute: 10, tokens_per_minute: 5_000 },
      })
      clock.advance(61 * MINUTE)
      await h.services.monitor.tick()
      expect(await h.services.limitOverrides.get('key', subject.keyId)).toBeNull()
      const expired = await h.services.mitigations.of(onKey?.id ?? '')
      expect(expired.find((m) => m.kind === 'throttle')?.state).toBe('expired')

      await h.services.auditLog.flush()
      const audit = await h.services.auditLog.list({ afterSeq: 0, limit: 1_000 })
      const actions = audit.map((e) => `${e.actor} ${e.action}`)
      expect(actions).toEqual(
        expect.arrayContaining([
          'system:monitor incident.open',
          'system:monitor incident.escalate',
          'system:monitor limits.set',
          'system:monitor mitigation.apply',
          'system:monitor limits.clear',
          'system:monitor mitigation.expire',
        ]),
      )
    })

    it('opens a new incident for the same subject once the last one is closed', async () => {
      const start = clock.now()
      await feed(burst(start, 400))
      const [first] = await h.services.incidents.list({ subjectKind: 'key' })
      await h.services.incidents.move(first?.id ?? '', 'close', { actor: 'admin:test' })
      await feed(burst(start + 2 * MINUTE, 600))
      const all = await h.services.incidents.list({ subjectKind: 'key' })
      expect(all.map((i) => i.status).sort()).toEqual(['closed', 'open'])
      expect(new Set(all.map((i) => i.id)).size).toBe(2)
    })

    it('suspends a sandbox application pinned at its limits, and reinstates it when lifted', async () => {
      const start = clock.now()
      const pinned = Array.from({ length: 25 * 30 }, (_, i) =>
        usageEventOf({
          ...subject,
          at: start + Math.floor(i / 30) * MINUTE + (i % 30) * 2_000,
          tier: 'sandbox',
          sandbox: true,
          ...(i % 30 >= 20
            ? { status: 429, outcome: 'refused' as const, errorCode: 'rate_limit_exceeded' }
            : {}),
        }),
      )
      await feed(pinned)
      const [incident] = await h.services.incidents.list({ detector: 'sandbox_abuse' })
      expect(incident).toMatchObject({ severity: 'high', status: 'mitigated' })
      expect((await h.services.organizations.getApplication(subject.appId)).status).toBe(
        'suspended',
      )
      const suspension = (await h.services.mitigations.of(incident?.id ?? '')).find(
        (m) => m.kind === 'suspend_app',
      )
      await h.services.mitigations.lift(suspension?.id ?? '', {
        actor: 'admin:test',
        reason: 'moved to production',
      })
      expect((await h.services.organizations.getApplication(subject.appId)).status).toBe('active')
    })

    it('refuses to publish a policy whose detector options do not validate, naming the path', async () => {
      const current = await loadPolicyFile(null)
      const bad = parsePolicy(
        current.source
          .replace('max_sources: 8', 'max_sources: many')
          .replace('volume_spike:', 'volume_spikes:'),
      )
      const error = await wardenErrorOf(
        h.services.policyVersions.publish(bad, { actor: 'admin:test' }),
      )
      expect(error.code).toBe('invalid_request_error')
      expect(error.message).toContain('monitoring.detectors.key_sharing.max_sources')
      expect(error.message).toContain('monitoring.detectors.volume_spikes: no such detector')
    })
  },
)
