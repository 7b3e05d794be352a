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
      random() < 0.05 ? { ...e, contentAction: 'flag' as const, harmAction: 'flag' as const } : e,
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
              harmAction: 'block' as const,
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

  it('does not take an application that flags personal data all day for a prober', () => {
    // A support desk: most of its prompts carry a customer's e-mail address or phone number,
    // which the default policy flags; nothing in them is harmful.
    const detector = createFilterProbingDetector(filterProbingOptions.parse({}))
    const random = seededRandom(11)
    const normal = normalTraffic({ apps: 10, minutes: 30, perMinute: 10, start: START })
    const desk = Array.from({ length: 300 }, (_, i) =>
      usageEventOf({
        at: START + i * 6_000,
        keyId: 'key_desk',
        appId: 'app_desk',
        orgId: 'org_desk',
        ...(random() < 0.8 ? { contentAction: 'flag' as const } : {}),
      }),
    )
    expect(mergeEvents(normal, desk).flatMap((e) => detector.observe(e))).toEqual([])
    // The same share of flags for harm is probing.
    const prober = createFilterProbingDetector(filterProbingOptions.parse({}))
    const harmful = desk.map((e) =>
      e.contentAction === 'flag' ? { ...e, harmAction: 'flag' as const } : e,
    )
    const found = mergeEvents(normal, harmful).flatMap((e) => prober.observe(e))
    expect(found.map((c) => c.subject.id)).toContain('app_desk')
  })

  it('does not judge an application on fewer requests than the floor', () => {
    const detector = createFilterProbingDetector(filterProbingOptions.parse({}))
    const blocked = Array.from({ length: 15 }, (_, i) =>
      usageEventOf({ at: START + i * 1_000, contentAction: 'block', harmAction: 'block' }),
    )
    expect(blocked.flatMap((e) => detector.observe(e))).toEqual([])
  })
})
