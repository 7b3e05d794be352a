import { describe, expect, it } from 'vitest'
import { textSignature } from '../../moderation/index.js'
import {
  mergeEvents,
  normalTraffic,
  seededRandom,
  usageEventOf,
} from '../../testing/usage-events.js'
import { createNearDuplicateDetector, nearDuplicateOptions } from './near-duplicate-detector.js'

const START = Date.UTC(2025, 0, 1)
const MINUTE = 60_000

const WORDS = (
  'the a of to and in is it you that he was for on are with as they be at one have this from ' +
  'or had by word but what some we can out other were all there when up use your how said an ' +
  'each she which do their time if will way about many then them write would like so these her ' +
  'long make thing see him two has look more day could go come did number sound no most people'
).split(' ')

/** A random sentence of `n` common words: unrelated texts, as ordinary traffic has. */
function randomText(random: () => number, n = 30): string {
  return Array.from({ length: n }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' ')
}

const SPAM =
  'Looking for the best deal on premium watches this season? Visit our store today and use ' +
  'the code SAVE50 for fifty percent off every luxury watch, free shipping on all orders worldwide'

describe('near-duplicate detector', () => {
  it('stays silent on varied prompts and answers, and on one application repeating itself', () => {
    const detector = createNearDuplicateDetector(nearDuplicateOptions.parse({}))
    const random = seededRandom(11)
    const events = normalTraffic({ apps: 20, minutes: 30, perMinute: 5, start: START }).map(
      (e) => ({
        ...e,
        promptSignature: textSignature(randomText(random)),
        completionSignature: textSignature(randomText(random)),
      }),
    )
    // One application sends the same template all the time with one key: its own business.
    const template = Array.from({ length: 100 }, (_, i) =>
      usageEventOf({
        at: START + i * 10_000,
        keyId: 'key_t',
        appId: 'app_t',
        promptSignature: textSignature(SPAM.replace('SAVE50', `CODE${i}`)),
      }),
    )
    expect(mergeEvents(events, template).flatMap((e) => detector.observe(e))).toEqual([])
  })

  it('flags near-identical answers across keys of several applications as one cluster', () => {
    const detector = createNearDuplicateDetector(nearDuplicateOptions.parse({}))
    const random = seededRandom(5)
    const normal = normalTraffic({ apps: 10, minutes: 20, perMinute: 5, start: START }).map(
      (e) => ({
        ...e,
        completionSignature: textSignature(randomText(random)),
      }),
    )
    const names = ['Anna', 'Ben', 'Chloe', 'Dan', 'Eve', 'Finn', 'Gus', 'Hana']
    const campaign = Array.from({ length: 40 }, (_, i) =>
      usageEventOf({
        at: START + 5 * MINUTE + i * 7_000,
        keyId: `key_c${i % 6}`,
        appId: `app_c${i % 3}`,
        orgId: `org_c${i % 3}`,
        completionSignature: textSignature(`${names[i % names.length] ?? ''} says: ${SPAM}`),
      }),
    )
    const found = mergeEvents(normal, campaign).flatMap((e) => detector.observe(e))
    expect(found.length).toBeGreaterThan(0)
    const ids = new Set(found.map((c) => c.subject.id))
    expect(ids.size).toBe(1)
    expect(found[0]).toMatchObject({ detector: 'near_duplicate', subject: { kind: 'cluster' } })
    expect(found[0]?.subject.id.startsWith('completion:')).toBe(true)
    expect(found[0]?.evidence.counts.requests).toBeGreaterThanOrEqual(20)
    expect(found[0]?.evidence.counts.applications).toBe(3)
  })

  it('holds at most max_entries signatures', () => {
    const detector = createNearDuplicateDetector(nearDuplicateOptions.parse({ max_entries: 50 }))
    const random = seededRandom(2)
    for (let i = 0; i < 500; i += 1) {
      detector.observe(
        usageEventOf({ at: START + i, promptSignature: textSignature(randomText(random)) }),
      )
    }
    expect(detector.size()).toBe(50)
  })
})
