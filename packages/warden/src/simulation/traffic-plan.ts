import { EPISODE_KINDS, episodePlanters, type Episode, type EpisodeKind } from './abuse-episodes.js'
import { planEverydayTraffic, type TimeWindow } from './everyday-traffic.js'
import {
  createPopulation,
  type PlannedRequest,
  type SimApp,
  type SimKey,
  type SimOrg,
} from './population.js'
import { createRandom } from './seeded-random.js'

const HOUR_MS = 3_600_000
const DAY_MS = 24 * HOUR_MS
/** Monday 6 January 2025, 00:00 UTC: the first day a run may start on (the seed picks which). */
const FIRST_START = Date.UTC(2025, 0, 6)

export interface TrafficOptions {
  readonly seed: string
  /** Normal applications. */
  readonly apps: number
  /** Requests of the normal applications over the whole run. */
  readonly requests: number
  /** Simulated hours. */
  readonly hours: number
  /** Episodes of each kind of misuse; 0 for a normal-only run. */
  readonly episodesPerKind: number
  /** The kinds planted (all of them unless said). */
  readonly kinds?: readonly EpisodeKind[]
}

/** Everything a run sends and the truth it is scored against. */
export interface TrafficPlan {
  readonly window: TimeWindow
  readonly orgs: readonly SimOrg[]
  readonly apps: readonly SimApp[]
  readonly keys: readonly SimKey[]
  /** Every request, in time order. */
  readonly requests: readonly PlannedRequest[]
  readonly episodes: readonly Episode[]
  readonly counts: {
    /** Everyday requests of the normal applications. */
    readonly normal: number
    /** Everyday requests of the planted applications, outside their misuse. */
    readonly plantedEveryday: number
    /** Requests of the episodes of misuse. */
    readonly abusive: number
  }
}

/** Splits `total` in proportion to `weights`, in whole numbers that add up to it. */
function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0)
  const exact = weights.map((w) => (sum > 0 ? (total * w) / sum : 0))
  const out = exact.map(Math.floor)
  let left = total - out.reduce((a, b) => a + b, 0)
  const byRemainder = exact
    .map((value, index) => [value - Math.floor(value), index] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
  for (const [, index] of byRemainder) {
    if (left <= 0) break
    out[index] = (out[index] as number) + 1
    left -= 1
  }
  return out
}

/**
 * Plans a run: normal applications in everyday use (sessions on a daily rhythm in their users'
 * time zones, weekday variation, noise), and planted applications that misuse Warden in
 * episodes spread over the run, each one ground truth for a detector. A pure function of its
 * options: the same seed gives the same requests. The normal traffic of a seed is the same
 * whether episodes are planted or not, since each part draws from its own stream.
 */
export function planTraffic(options: TrafficOptions): TrafficPlan {
  const root = createRandom(options.seed)
  const start = FIRST_START + root.fork('start').int(0, 6) * DAY_MS
  const window = { start, end: start + Math.round(options.hours * HOUR_MS) }
  const population = createPopulation()
  const requests: PlannedRequest[] = []

  // Normal applications: a few organizations have several; sizes vary by orders of magnitude.
  const shape = root.fork('population')
  const orgCount = Math.max(1, Math.round(options.apps * 0.6))
  for (let i = 0; i < orgCount; i += 1) population.addOrg('acme')
  const weights: number[] = []
  for (let i = 0; i < options.apps; i += 1) {
    const org = i < orgCount ? i : shape.int(0, orgCount - 1)
    const tier = shape.chance(0.3) ? 'sandbox' : 'production'
    population.addApp(org, { tier, planted: false }, shape)
    weights.push(shape.logNormal(1, 1) * (tier === 'sandbox' ? 0.3 : 1))
  }
  // A sandbox application that lives within its tier sends a few hundred requests a day at most
  // (its daily token budget is 200,000): one that sends more is pinned at its limits, which is
  // the misuse the sandbox detector looks for. Normal ones stay under a cap; the production
  // applications take the rest.
  const sandboxCap = Math.max(1, Math.round((400 * options.hours) / 24))
  const budgets = apportion(options.requests, weights)
  const isSandbox = (app: number) => population.appAt(app).tier === 'sandbox'
  let excess = 0
  budgets.forEach((budget, app) => {
    if (isSandbox(app) && budget > sandboxCap) {
      excess += budget - sandboxCap
      budgets[app] = sandboxCap
    }
  })
  const production = weights.map((w, app) => (isSandbox(app) ? 0 : w))
  if (production.some((w) => w > 0)) {
    apportion(excess, production).forEach((extra, app) => {
      budgets[app] = (budgets[app] ?? 0) + extra
    })
  }
  for (let app = 0; app < options.apps; app += 1) {
    const random = root.fork(`app/${app}`)
    const simApp = population.appAt(app)
    const first = population.keys.length
    const keyCount = simApp.tier === 'sandbox' ? random.int(1, 2) : random.int(1, 3)
    population.addKeys(app, keyCount, window, random)
    const keys = Array.from({ length: keyCount }, (_, i) => {
      const index = first + i
      return [index, population.keyAt(index)] as const
    })
    requests.push(
      ...planEverydayTraffic({
        app: simApp,
        keys,
        budget: budgets[app] ?? 0,
        window,
        random: random.fork('everyday'),
      }),
    )
  }
  const normal = requests.length

  // Episodes: kinds taken in turns, in slots spread over the run after a warm-up (baselines
  // need history) and before the end (windows need time to fill).
  const kinds = options.kinds ?? EPISODE_KINDS
  const episodes: Episode[] = []
  let plantedEveryday = 0
  let abusive = 0
  const total = options.episodesPerKind * kinds.length
  if (total > 0) {
    const timing = root.fork('episodes')
    const hours = options.hours
    const warmup = Math.min(2 * HOUR_MS, hours * HOUR_MS * 0.2)
    const tail = Math.min(HOUR_MS, hours * HOUR_MS * 0.15)
    const slot = (window.end - tail - (window.start + warmup)) / total
    const order = timing.shuffled(
      Array.from({ length: total }, (_, i) => kinds[i % kinds.length] as EpisodeKind),
    )
    const everyday = Math.max(20, Math.round(150 * (hours / 24)))
    order.forEach((kind, index) => {
      const random = root.fork(`episode/${index}`)
      const at = window.start + warmup + slot * (index + timing.between(0.1, 0.6))
      const planted = episodePlanters[kind]({
        population,
        random,
        window,
        start: Math.floor(at),
        index,
        everydayBudget: Math.round(everyday * random.between(0.5, 1.5)),
      })
      episodes.push(planted.episode)
      for (const request of planted.requests) {
        if (request.episode === null) plantedEveryday += 1
        else abusive += 1
        requests.push(request)
      }
    })
  }

  // A stable sort: requests of the same millisecond keep the order they were planned in.
  requests.sort((a, b) => a.at - b.at)
  return {
    window,
    orgs: population.orgs,
    apps: population.apps,
    keys: population.keys,
    requests,
    episodes,
    counts: { normal, plantedEveryday, abusive },
  }
}
