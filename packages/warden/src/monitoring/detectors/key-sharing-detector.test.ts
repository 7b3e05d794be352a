import { describe, expect, it } from 'vitest'
import { mergeEvents, normalTraffic, usageEventOf } from '../../testing/usage-events.js'
import { createKeySharingDetector, keySharingOptions } from './key-sharing-detector.js'

const START = Date.UTC(2025, 0, 1)
const MINUTE = 60_000

describe('key sharing detector', () => {
  it('stays silent on an hour of 20 applications each calling from its own servers', () => {
    const detector = createKeySharingDetector(keySharingOptions.parse({}))
    const events = normalTraffic({ apps: 20, minutes: 60, perMinute: 20, start: START })
    // Each application also calls from a second and third server now and then.
    events.forEach((e, i) => {
      if (i % 7 === 0) Object.assign(e, { clientSource: `192.0.2.${i % 3}` })
    })
    expect(events.flatMap((e) => detector.observe(e))).toEqual([])
  })

  it('flags a key used from many addresses within a minute of the ninth one', () => {
    const detector = createKeySharingDetector(keySharingOptions.parse({}))
    const normal = normalTraffic({ apps: 5, minutes: 30, perMinute: 10, start: START })
    const leakStart = START + 20 * MINUTE
    const leak = Array.from({ length: 30 }, (_, i) =>
      usageEventOf({
        at: leakStart + i * 5_000,
        keyId: 'key_n1',
        appId: 'app_n1',
        orgId: 'org_n1',
        clientSource: `203.0.113.${i}`,
        userAgent: i % 2 === 0 ? 'curl/8.5.0' : 'python-requests/2.32',
      }),
    )
    const found = mergeEvents(normal, leak).flatMap((e) => detector.observe(e))
    expect(found[0]).toMatchObject({
      detector: 'key_sharing',
      subject: { kind: 'key', id: 'key_n1' },
      severity: 'medium',
    })
    // The normal server plus eight leaked addresses: over the limit of eight at the eighth.
    expect(found[0]?.at).toBeLessThanOrEqual(leakStart + 8 * 5_000)
    expect(found.at(-1)?.severity).toBe('high')
    expect(found.every((c) => c.keyId === 'key_n1')).toBe(true)
  })

  it('counts an IPv6 /64 as one source and forgets addresses outside the window', () => {
    const detector = createKeySharingDetector(keySharingOptions.parse({ max_sources: 3 }))
    const slow = Array.from({ length: 10 }, (_, i) =>
      usageEventOf({ at: START + i * 11 * MINUTE, clientSource: `203.0.113.${i}` }),
    )
    expect(slow.flatMap((e) => detector.observe(e))).toEqual([])
  })
})
