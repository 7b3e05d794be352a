import { describe, expect, it } from 'vitest'
import { textSignature } from '../moderation/index.js'
import { EPISODE_KINDS } from './abuse-episodes.js'
import { planTraffic, type TrafficOptions } from './traffic-plan.js'

const small: TrafficOptions = {
  seed: 'plan',
  apps: 12,
  requests: 1500,
  hours: 8,
  episodesPerKind: 1,
}

/** Bits two 16-hex-digit signatures differ in. */
function distance(a: string, b: string): number {
  let bits = 0
  for (let i = 0; i < 16; i += 8) {
    let x = (Number.parseInt(a.slice(i, i + 8), 16) ^ Number.parseInt(b.slice(i, i + 8), 16)) >>> 0
    while (x !== 0) {
      bits += x & 1
      x >>>= 1
    }
  }
  return bits
}

describe('planTraffic', () => {
  it('plans the same requests for the same seed, and different ones for another', () => {
    const a = planTraffic(small)
    const b = planTraffic(small)
    expect(JSON.stringify(b)).toBe(JSON.stringify(a))
    const c = planTraffic({ ...small, seed: 'other' })
    expect(c.requests.map((r) => r.at)).not.toEqual(a.requests.map((r) => r.at))
  })

  it('sends exactly the normal requests asked for, in time order, inside the window', () => {
    const plan = planTraffic(small)
    expect(plan.counts.normal).toBe(1500)
    const normalApps = new Set(plan.apps.flatMap((app, i) => (app.planted ? [] : [i])))
    const normal = plan.requests.filter(
      (r) => r.episode === null && normalApps.has(plan.keys[r.key]?.app ?? -1),
    )
    expect(normal).toHaveLength(1500)
    for (let i = 1; i < plan.requests.length; i += 1) {
      expect(plan.requests[i]!.at).toBeGreaterThanOrEqual(plan.requests[i - 1]!.at)
    }
    expect(plan.requests[0]!.at).toBeGreaterThanOrEqual(plan.window.start)
    expect(plan.requests.at(-1)!.at).toBeLessThan(plan.window.end)
  })

  it('plants one episode of every kind, on applications of its own, after a warm-up', () => {
    const plan = planTraffic(small)
    expect(plan.episodes.map((e) => e.kind).sort()).toEqual([...EPISODE_KINDS].sort())
    for (const episode of plan.episodes) {
      expect(episode.start).toBeGreaterThan(plan.window.start + 60 * 60_000)
      for (const app of episode.apps) expect(plan.apps[app]?.planted).toBe(true)
      const abusive = plan.requests.filter((r) => r.episode === episode.index)
      expect(abusive.length).toBeGreaterThan(0)
      for (const r of abusive) expect(episode.keys).toContain(r.key)
    }
  })

  it('keeps the normal traffic of a seed whether misuse is planted or not', () => {
    const planted = planTraffic(small)
    const normalOnly = planTraffic({ ...small, episodesPerKind: 0 })
    expect(normalOnly.episodes).toEqual([])
    const normalApps = (plan: typeof planted) =>
      plan.requests.filter((r) => plan.apps[plan.keys[r.key]!.app]?.planted === false)
    expect(JSON.stringify(normalApps(normalOnly))).toBe(JSON.stringify(normalApps(planted)))
  })

  it('writes a burst of near-duplicates as prompts a few bits apart, and everyday prompts far apart', () => {
    const plan = planTraffic({ ...small, episodesPerKind: 1, kinds: ['near_duplicate'] })
    const burst = plan.requests
      .filter((r) => r.episode !== null)
      .map((r) => textSignature(r.messages.at(-1)!.content))
      .filter((s): s is string => s !== null)
    const everyday = plan.requests
      .filter((r) => r.episode === null)
      .slice(0, 200)
      .map((r) => textSignature(r.messages.at(-1)!.content))
      .filter((s): s is string => s !== null)
    const nearShare = (sigs: string[]) => {
      let near = 0
      let pairs = 0
      for (let i = 0; i < sigs.length; i += 1) {
        for (let j = i + 1; j < sigs.length; j += 1) {
          pairs += 1
          if (distance(sigs[i]!, sigs[j]!) <= 12) near += 1
        }
      }
      return near / pairs
    }
    expect(nearShare(burst)).toBeGreaterThan(0.5)
    expect(nearShare(everyday)).toBeLessThan(0.01)
  })

  it('keeps normal sandbox applications within a day of their tier', () => {
    const plan = planTraffic({
      ...small,
      apps: 30,
      requests: 20_000,
      hours: 24,
      episodesPerKind: 0,
    })
    const perApp = new Map<number, number>()
    for (const r of plan.requests) {
      const app = plan.keys[r.key]!.app
      perApp.set(app, (perApp.get(app) ?? 0) + 1)
    }
    for (const [app, count] of perApp) {
      if (plan.apps[app]?.tier === 'sandbox') expect(count).toBeLessThanOrEqual(400)
    }
  })
})
