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
    expect(found[0]?.evidence.counts.requests).toBeGreaterThanOrEqual(
      nearDuplicateOptions.parse({}).min_cluster,
    )
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
  it('joins two clusters of one campaign that no band links once a copy lies near both', () => {
    // Two halves of a campaign, 4 bits apart (one in each 16-bit band, so they share none), then
    // a copy 2 bits from each: before it, neither half is big enough to be a burst.
    const first = '0123456789abcdef'
    const second = '1123556799abddef'
    const bridge = '0123456799abddef'
    const copy = (signature: string, i: number) =>
      usageEventOf({
        at: START + i * 5_000,
        requestId: `req_${i}`,
        keyId: `key_${i % 3}`,
        appId: 'app_c',
        promptSignature: signature,
      })
    const halves = Array.from({ length: 16 }, (_, i) => copy(i % 2 === 0 ? first : second, i))
    const detector = createNearDuplicateDetector(nearDuplicateOptions.parse({}))
    expect(halves.flatMap((e) => detector.observe(e))).toEqual([])
    const found = detector.observe(copy(bridge, 16))
    expect(found).toHaveLength(1)
    expect(found[0]?.evidence.counts).toMatchObject({ requests: 17, keys: 3 })
    // The next copy of either half counts in the one cluster (a minute on: it alarms again).
    const after = detector.observe(copy(second, 25))
    expect(after).toHaveLength(1)
    expect(after[0]?.subject.id).toBe(found[0]?.subject.id)
    expect(after[0]?.evidence.counts.requests).toBe(18)
  })
  it("does not count one key's copies beyond the next busiest key's as a burst across keys", () => {
    // One key sends its template hundreds of times; two other keys send a few look-alikes.
    const copy = (keyId: string, i: number, n: number) =>
      usageEventOf({
        at: START + i * 1_000,
        requestId: `req_${keyId}_${i}`,
        keyId,
        appId: `app_${keyId}`,
        promptSignature: textSignature(SPAM.replace('SAVE50', `CODE${n}`)),
      })
    const busy = Array.from({ length: 120 }, (_, i) => copy('key_busy', i, i))
    const strays = [3, 40, 80].flatMap((i) => [
      copy('key_a', i, 1000 + i),
      copy('key_b', i, 2000 + i),
    ])
    const detector = createNearDuplicateDetector(nearDuplicateOptions.parse({}))
    expect(mergeEvents(busy, strays).flatMap((e) => detector.observe(e))).toEqual([])
    // Spread over three keys, the same copies are a campaign.
    const spread = createNearDuplicateDetector(nearDuplicateOptions.parse({}))
    const campaign = Array.from({ length: 60 }, (_, i) => copy(`key_${i % 3}`, i, i))
    expect(campaign.flatMap((e) => spread.observe(e)).length).toBeGreaterThan(0)
  })
})
