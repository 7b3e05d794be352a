import { describe, expect, it } from 'vitest'
import { usageEventOf } from '../../testing/usage-events.js'
import { createSandboxAbuseDetector, sandboxAbuseOptions } from './sandbox-abuse-detector.js'

const START = Date.UTC(2025, 0, 1)
const MINUTE = 60_000

/** `perMinute` requests a minute for `minutes` minutes; past `limit` a minute they are refused. */
function sandboxTraffic(app: string, minutes: number, perMinute: number, limit: number) {
  return Array.from({ length: minutes * perMinute }, (_, i) => {
    const refused = i % perMinute >= limit
    return usageEventOf({
      at: START + Math.floor(i / perMinute) * MINUTE + (i % perMinute) * (MINUTE / perMinute),
      keyId: `key_${app}`,
      appId: app,
      tier: 'sandbox',
      sandbox: true,
      ...(refused
        ? { status: 429, outcome: 'refused' as const, errorCode: 'rate_limit_exceeded' }
        : {}),
    })
  })
}

describe('sandbox abuse detector', () => {
  it('stays silent on a sandbox application that hits its limit now and then', () => {
    const detector = createSandboxAbuseDetector(sandboxAbuseOptions.parse({}))
    // Over the limit in the first 9 minutes of each half hour only.
    const events = sandboxTraffic('app_s', 120, 25, 20).filter(
      (e) => e.errorCode === null || (e.at - START) % (30 * MINUTE) < 9 * MINUTE,
    )
    expect(events.flatMap((e) => detector.observe(e))).toEqual([])
  })

  it('flags a sandbox application pinned at its limits in its tenth minute', () => {
    const detector = createSandboxAbuseDetector(sandboxAbuseOptions.parse({}))
    const found = sandboxTraffic('app_s', 40, 60, 20).flatMap((e) => detector.observe(e))
    expect(found[0]).toMatchObject({ subject: { kind: 'app', id: 'app_s' }, severity: 'medium' })
    expect(found[0]?.at).toBeLessThan(START + 10 * MINUTE)
    expect(found.at(-1)?.severity).toBe('high')
  })

  it('ignores production applications at their limits', () => {
    const detector = createSandboxAbuseDetector(sandboxAbuseOptions.parse({}))
    const events = sandboxTraffic('app_p', 40, 60, 20).map((e) => ({
      ...e,
      sandbox: false,
      tier: 'production',
    }))
    expect(events.flatMap((e) => detector.observe(e))).toEqual([])
  })
})
