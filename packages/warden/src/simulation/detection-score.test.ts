import { describe, expect, it } from 'vitest'
import type { Episode } from './abuse-episodes.js'
import { checkDetectionGoals } from './detection-goals.js'
import { scoreDetections, type ResolvedEpisode, type ScoredIncident } from './detection-score.js'

const MINUTE = 60_000

function episode(index: number, kind: Episode['kind'], over: Partial<Episode> = {}): Episode {
  return {
    index,
    kind,
    summary: `${kind} ${index}`,
    start: 100 * MINUTE,
    end: 110 * MINUTE,
    apps: [],
    keys: [],
    alsoExpected: [],
    ...over,
  }
}

function incident(
  detector: string,
  kind: string,
  id: string,
  at: number,
  over = {},
): ScoredIncident {
  return {
    detector,
    subject: { kind, id },
    severity: 'medium',
    summary: `${detector} on ${id}`,
    firstSeenAt: at,
    apps: [],
    keys: [],
    ...over,
  }
}

const episodes: ResolvedEpisode[] = [
  {
    episode: episode(0, 'volume_spike'),
    appIds: new Set(['app_spike']),
    keyIds: new Set(['key_spike']),
  },
  {
    episode: episode(1, 'jailbreak_run', { alsoExpected: ['filter_probing'] }),
    appIds: new Set(['app_jail']),
    keyIds: new Set(['key_jail']),
  },
  {
    episode: episode(2, 'near_duplicate'),
    appIds: new Set(['app_spam1', 'app_spam2']),
    keyIds: new Set(['key_spam1', 'key_spam2']),
  },
  {
    episode: episode(3, 'key_sharing'),
    appIds: new Set(['app_leak']),
    keyIds: new Set(['key_leak']),
  },
]
const plantedIds = new Set(episodes.flatMap((r) => [...r.appIds, ...r.keyIds]))
const detectors = [
  'volume_spike',
  'key_sharing',
  'filter_probing',
  'near_duplicate',
  'jailbreak_run',
]

describe('scoreDetections', () => {
  it('counts an incident on an episode of its kind as found, timed from the first abusive request', () => {
    const score = scoreDetections({
      detectors,
      episodes,
      plantedIds,
      incidents: [
        incident('volume_spike', 'key', 'key_spike', 100 * MINUTE + 12_000),
        incident('volume_spike', 'app', 'app_spike', 100 * MINUTE + 20_000),
        incident('near_duplicate', 'cluster', 'prompt:0123456789abcdef', 104 * MINUTE, {
          apps: ['app_spam2'],
        }),
      ],
    })
    const spike = score.detectors.find((d) => d.detector === 'volume_spike')
    expect(spike).toMatchObject({
      planted: 1,
      detected: 1,
      recall: 1,
      truePositives: 2,
      falsePositives: 0,
      precision: 1,
      medianSecondsToDetect: 12,
      maxSecondsToDetect: 12,
    })
    expect(score.detectors.find((d) => d.detector === 'near_duplicate')).toMatchObject({
      detected: 1,
      medianSecondsToDetect: 240,
    })
    expect(score.detectors.find((d) => d.detector === 'key_sharing')).toMatchObject({
      planted: 1,
      detected: 0,
      recall: 0,
      precision: null,
    })
    expect(score.episodes.find((e) => e.index === 3)?.secondsToDetect).toBeNull()
  })

  it('sets apart what misuse sets off by nature, and counts the rest as false positives', () => {
    const score = scoreDetections({
      detectors,
      episodes,
      plantedIds,
      incidents: [
        incident('jailbreak_run', 'key', 'key_jail', 103 * MINUTE),
        // A jailbreak run is filter probing too: expected, neither true nor false.
        incident('filter_probing', 'app', 'app_jail', 104 * MINUTE),
        // On a normal application: false, on a normal subject.
        incident('filter_probing', 'app', 'app_normal', 50 * MINUTE),
        // On a planted application before its misuse began: false, but not on a normal subject.
        incident('jailbreak_run', 'app', 'app_jail', 90 * MINUTE),
        // A cluster of normal applications only.
        incident('near_duplicate', 'cluster', 'prompt:fedcba9876543210', 30 * MINUTE, {
          apps: ['app_normal', 'app_other'],
        }),
      ],
    })
    const probing = score.detectors.find((d) => d.detector === 'filter_probing')
    expect(probing).toMatchObject({
      incidents: 2,
      truePositives: 0,
      alsoExpected: 1,
      falsePositives: 1,
      onNormalSubjects: 1,
      precision: 0,
    })
    const jailbreak = score.detectors.find((d) => d.detector === 'jailbreak_run')
    expect(jailbreak).toMatchObject({ truePositives: 1, falsePositives: 1, onNormalSubjects: 0 })
    expect(jailbreak?.precision).toBe(0.5)
    expect(score.falsePositives.map((f) => [f.detector, f.onNormalSubject])).toEqual([
      ['filter_probing', true],
      ['jailbreak_run', false],
      ['near_duplicate', true],
    ])
    expect(score.episodes.find((e) => e.index === 1)?.alsoRaised).toEqual(['filter_probing'])
  })
})

describe('checkDetectionGoals', () => {
  it('fails the goals on a missed episode, a slow spike, or an incident on a normal subject', () => {
    const met = scoreDetections({
      detectors,
      episodes: episodes.slice(0, 1),
      plantedIds,
      incidents: [incident('volume_spike', 'key', 'key_spike', 100 * MINUTE + 30_000)],
    })
    expect(checkDetectionGoals(met).every((g) => g.met)).toBe(true)

    const slow = scoreDetections({
      detectors,
      episodes: episodes.slice(0, 1),
      plantedIds,
      incidents: [incident('volume_spike', 'key', 'key_spike', 100 * MINUTE + 90_000)],
    })
    expect(checkDetectionGoals(slow).map((g) => g.met)).toEqual([true, false, true])

    const noisy = scoreDetections({
      detectors,
      episodes: [],
      plantedIds,
      incidents: [incident('volume_spike', 'app', 'app_normal', 10 * MINUTE)],
    })
    expect(checkDetectionGoals(noisy)).toEqual([
      expect.objectContaining({ met: false, figures: '1 incident on normal subjects' }),
    ])
  })
})
