import { describe, expect, it } from 'vitest'
import {
  mergeEvents,
  normalTraffic,
  seededRandom,
  usageEventOf,
} from '../../testing/usage-events.js'
import { createFilterProbingDetector, filterProbingOptions } from './filter-probing-detector.js'

const START = Date.UTC(2025, 0, 1)
const MINUTE = 60_000

describe('filter probing detector', () => {
  it('stays silent when every application gets an occasional flag', () => {
    const detector = createFilterProbingDetector(filterProbingOptions.parse({}))
    const random = seededRandom(7)
    const events = normalTraffic({ apps: 20, minutes: 60, perMinute: 10, start: START }).map((e) =>
      random() < 0.05 ? { ...e, contentAction: 'flag' as const } : e,
    )
    expect(events.flatMap((e) => detector.observe(e))).toEqual([])
  })

  it('flags an application whose requests are blocked far more often than its peers', () => {
    const detector = createFilterProbingDetector(filterProbingOptions.parse({}))
    const normal = normalTraffic({ apps: 10, minutes: 30, perMinute: 10, start: START })
    const probeStart = START + 10 * MINUTE
    const probe = Array.from({ length: 60 }, (_, i) =>
      usageEventOf({
        at: probeStart + i * 3_000,
        keyId: 'key_p',
        appId: 'app_p',
        orgId: 'org_p',
        ...(i % 2 === 0
          ? {
              contentAction: 'block' as const,
              status: 400,
              outcome: 'refused' as const,
              errorCode: 'content_policy_violation',
            }
          : {}),
      }),
    )
    const found = mergeEvents(normal, probe).flatMap((e) => detector.observe(e))
    expect(found.length).toBeGreaterThan(0)
    expect(found.every((c) => c.subject.id === 'app_p' && c.subject.kind === 'app')).toBe(true)
    expect(found[0]?.evidence.counts.requests).toBeGreaterThanOrEqual(20)
    expect(found[0]?.at).toBeLessThan(probeStart + 2 * MINUTE)
  })

  it('does not judge an application on fewer requests than the floor', () => {
    const detector = createFilterProbingDetector(filterProbingOptions.parse({}))
    const blocked = Array.from({ length: 15 }, (_, i) =>
      usageEventOf({ at: START + i * 1_000, contentAction: 'block' }),
    )
    expect(blocked.flatMap((e) => detector.observe(e))).toEqual([])
  })
})
