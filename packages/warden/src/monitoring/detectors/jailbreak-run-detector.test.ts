import { describe, expect, it } from 'vitest'
import {
  mergeEvents,
  normalTraffic,
  seededRandom,
  usageEventOf,
} from '../../testing/usage-events.js'
import { createJailbreakRunDetector, jailbreakRunOptions } from './jailbreak-run-detector.js'

const START = Date.UTC(2025, 0, 1)
const MINUTE = 60_000

describe('jailbreak run detector', () => {
  it('stays silent on scattered injection findings across applications', () => {
    const detector = createJailbreakRunDetector(jailbreakRunOptions.parse({}))
    const random = seededRandom(3)
    const events = normalTraffic({ apps: 20, minutes: 60, perMinute: 10, start: START }).map((e) =>
      random() < 0.003 ? { ...e, injection: true } : e,
    )
    expect(events.some((e) => e.injection)).toBe(true)
    expect(events.flatMap((e) => detector.observe(e))).toEqual([])
  })

  it('flags a key sending a run of injection attempts at the fifth one', () => {
    const detector = createJailbreakRunDetector(jailbreakRunOptions.parse({}))
    const normal = normalTraffic({ apps: 5, minutes: 20, perMinute: 10, start: START })
    const run = Array.from({ length: 12 }, (_, i) =>
      usageEventOf({
        at: START + 5 * MINUTE + i * 20_000,
        keyId: 'key_j',
        appId: 'app_j',
        injection: true,
        contentAction: 'flag',
      }),
    )
    const found = mergeEvents(normal, run).flatMap((e) => detector.observe(e))
    expect(found[0]).toMatchObject({ subject: { kind: 'key', id: 'key_j' }, severity: 'medium' })
    expect(found[0]?.evidence.counts.injection_attempts).toBe(5)
    expect(found[0]?.at).toBe(run[4]?.at)
    expect(found.some((c) => c.subject.kind === 'app' && c.subject.id === 'app_j')).toBe(true)
  })
})
