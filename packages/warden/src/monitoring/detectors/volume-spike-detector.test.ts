import { describe, expect, it } from 'vitest'
import { mergeEvents, normalTraffic, usageEventOf } from '../../testing/usage-events.js'
import type { IncidentCandidate } from './detector.js'
import { createVolumeSpikeDetector, volumeSpikeOptions } from './volume-spike-detector.js'

const START = Date.UTC(2025, 0, 1)
const MINUTE = 60_000

function run(events: ReturnType<typeof normalTraffic>, options = {}): IncidentCandidate[] {
  const detector = createVolumeSpikeDetector(volumeSpikeOptions.parse(options))
  return events.flatMap((e) => detector.observe(e))
}

describe('volume spike detector', () => {
  it('stays silent on two hours of ordinary traffic of 20 applications', () => {
    const events = normalTraffic({ apps: 20, minutes: 120, perMinute: 30, start: START })
    expect(run(events)).toEqual([])
  })

  it('flags a key that jumps from 30 to 400 requests a minute within the first minute of it', () => {
    const normal = normalTraffic({ apps: 5, minutes: 90, perMinute: 30, start: START })
    const spikeStart = START + 60 * MINUTE + 20_000
    const spike = Array.from({ length: 800 }, (_, i) =>
      usageEventOf({
        at: spikeStart + i * 150,
        keyId: 'key_n2',
        appId: 'app_n2',
        orgId: 'org_n2',
      }),
    )
    const found = run(mergeEvents(normal, spike))
    const first = found[0]
    expect(first).toMatchObject({
      detector: 'volume_spike',
      subject: { kind: 'key', id: 'key_n2' },
      keyId: 'key_n2',
      appId: 'app_n2',
    })
    expect(first?.at).toBeLessThan(spikeStart + MINUTE)
    expect(first?.evidence.sampleRequestIds.length).toBeGreaterThan(0)
    expect(found.some((c) => c.subject.kind === 'app' && c.subject.id === 'app_n2')).toBe(true)
    expect(found.every((c) => c.subject.id.endsWith('n2'))).toBe(true)
  })

  it('does not alarm a quiet application on a few requests however far above its baseline', () => {
    const quiet = Array.from({ length: 60 }, (_, m) =>
      usageEventOf({ at: START + m * MINUTE, keyId: 'key_q', appId: 'app_q' }),
    )
    const burst = Array.from({ length: 40 }, (_, i) =>
      usageEventOf({ at: START + 61 * MINUTE + i * 100, keyId: 'key_q', appId: 'app_q' }),
    )
    expect(run([...quiet, ...burst])).toEqual([])
  })

  it('holds a brand-new key to the raised floor until it has a baseline', () => {
    const burst = (n: number) =>
      Array.from({ length: n }, (_, i) =>
        usageEventOf({ at: START + i * 50, keyId: 'key_new', appId: 'app_new' }),
      )
    expect(run(burst(250))).toEqual([])
    expect(run(burst(400)).length).toBeGreaterThan(0)
  })

  it('keeps at most max_subjects subjects per scope', () => {
    const detector = createVolumeSpikeDetector(volumeSpikeOptions.parse({ max_subjects: 100 }))
    for (let i = 0; i < 1_000; i += 1) {
      detector.observe(usageEventOf({ at: START + i, keyId: `key_${i}`, appId: `app_${i}` }))
    }
    expect(detector.size()).toBe(200)
  })
})
