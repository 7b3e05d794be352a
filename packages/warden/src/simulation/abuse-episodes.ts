import { createCampaign, writeJailbreakPrompt, writeProbingPrompt } from './abuse-prompts.js'
import { planEverydayTraffic, type TimeWindow } from './everyday-traffic.js'
import { USE_CASES, systemPromptOf, writeNormalPrompt, type ChatMessage } from './normal-prompts.js'
import {
  strangerAddress,
  strangerAgent,
  type PlannedRequest,
  type Population,
  type SimTier,
} from './population.js'
import type { Random } from './seeded-random.js'

const MINUTE_MS = 60_000

/** The kinds of misuse planted: one per detector, named as the policy names the detector. */
export const EPISODE_KINDS = [
  'volume_spike',
  'key_sharing',
  'filter_probing',
  'near_duplicate',
  'jailbreak_run',
  'sandbox_abuse',
] as const
export type EpisodeKind = (typeof EPISODE_KINDS)[number]

/** One planted episode of misuse: the ground truth a detector is scored against. */
export interface Episode {
  readonly index: number
  /** The detector that should raise it. */
  readonly kind: EpisodeKind
  /** One line: who did what, how hard, for how long. */
  readonly summary: string
  /** The first abusive request, and the last one (simulated Unix ms). */
  readonly start: number
  readonly end: number
  /** The applications and keys it is about (a burst of near-duplicates spans several). */
  readonly apps: readonly number[]
  readonly keys: readonly number[]
  /**
   * Other detectors this misuse sets off by its nature (a jailbreak run is filter probing too):
   * their incidents on its subjects are neither true nor false positives of theirs.
   */
  readonly alsoExpected: readonly EpisodeKind[]
}

/** What planting one episode needs. */
export interface EpisodeContext {
  readonly population: Population
  readonly random: Random
  /** The whole simulated window: planted applications are in everyday use all along. */
  readonly window: TimeWindow
  /** When the misuse begins. */
  readonly start: number
  readonly index: number
  /** Everyday requests of each planted application over the window. */
  readonly everydayBudget: number
}

/** An episode and every request of its applications, everyday ones included. */
export interface PlantedEpisode {
  readonly episode: Episode
  readonly requests: PlannedRequest[]
}

/** Arrival times of a Poisson process of `perMinute` from `start` for `minutes`. */
function arrivals(start: number, minutes: number, perMinute: number, random: Random): number[] {
  const out: number[] = []
  let at = start
  const end = start + minutes * MINUTE_MS
  for (;;) {
    out.push(Math.floor(at))
    at += random.exponential(perMinute / MINUTE_MS)
    if (at >= end) return out
  }
}

/** A planted application with its own organization and keys, in everyday use over the window. */
function plantApp(
  ctx: EpisodeContext,
  tier: SimTier,
  keyCount: number,
  label: string,
): { app: number; key: number; keys: number[]; requests: PlannedRequest[] } {
  const { population, random } = ctx
  const org = population.addOrg(label)
  const app = population.addApp(org, { tier, planted: true }, random)
  const first = population.keys.length
  population.addKeys(app, keyCount, ctx.window, random)
  const keys = Array.from({ length: keyCount }, (_, i) => first + i)
  const requests = planEverydayTraffic({
    app: population.appAt(app),
    keys: keys.map((k) => [k, population.keyAt(k)] as const),
    budget: ctx.everydayBudget,
    window: ctx.window,
    random: random.fork('everyday'),
  })
  return { app, key: first, keys, requests }
}

/** A request of the episode from one of a key's usual places. */
function usual(
  ctx: EpisodeContext,
  at: number,
  key: number,
  messages: ChatMessage[],
  stream = false,
): PlannedRequest {
  const simKey = ctx.population.keyAt(key)
  return {
    at,
    key,
    source: ctx.random.pick(simKey.sources),
    userAgent: simKey.userAgents.at(-1) ?? '',
    stream,
    messages,
    episode: ctx.index,
  }
}

const round = (value: number) => Math.round(value)

/** A production application's key suddenly sends many times its usual traffic. */
function volumeSpike(ctx: EpisodeContext): PlantedEpisode {
  const { random } = ctx
  const planted = plantApp(ctx, 'production', random.int(1, 2), 'spike')
  const app = ctx.population.appAt(planted.app)
  const { key } = planted
  const perMinute = random.between(90, 360)
  const minutes = random.between(2, 5)
  const times = arrivals(ctx.start, minutes, perMinute, random)
  const abuse = times.map((at) =>
    usual(ctx, at, key, writeNormalPrompt(app.useCase, random, { personalShare: 0 })),
  )
  return finish(ctx, planted, abuse, {
    kind: 'volume_spike',
    summary: `${app.name}: one key sends ${round(perMinute)} requests a minute for ${minutes.toFixed(1)} minutes`,
    apps: [planted.app],
    keys: [key],
    alsoExpected: [],
  })
}

/** A production key leaks: strangers use it from many addresses with many clients. */
function keyLeak(ctx: EpisodeContext): PlantedEpisode {
  const { random } = ctx
  const planted = plantApp(ctx, 'production', 1, 'leak')
  const app = ctx.population.appAt(planted.app)
  const { key } = planted
  const addresses = Array.from({ length: random.int(30, 200) }, () => strangerAddress(random))
  const agents = Array.from({ length: random.int(6, 15) }, () => strangerAgent(random))
  const perMinute = random.between(20, 50)
  const minutes = random.between(10, 20)
  const abuse = arrivals(ctx.start, minutes, perMinute, random).map((at) => ({
    at,
    key,
    source: random.pick(addresses),
    userAgent: random.pick(agents),
    stream: random.chance(0.3),
    messages: writeNormalPrompt(random.pick(USE_CASES), random, { personalShare: 0.01 }),
    episode: ctx.index,
  }))
  return finish(ctx, planted, abuse, {
    kind: 'key_sharing',
    summary: `${app.name}: its key leaks; ${addresses.length} addresses with ${new Set(agents).size} clients send ${round(perMinute)} a minute for ${round(minutes)} minutes`,
    apps: [planted.app],
    keys: [key],
    // A leaked key used hard is also new volume for it.
    alsoExpected: ['volume_spike'],
  })
}

/** An application sends request after request the content filter should stop, to map its edges. */
function filterProbing(ctx: EpisodeContext): PlantedEpisode {
  const { random } = ctx
  const planted = plantApp(ctx, random.chance(0.5) ? 'sandbox' : 'production', 1, 'probe')
  const app = ctx.population.appAt(planted.app)
  const { key } = planted
  const perMinute = random.between(2, 6)
  const minutes = random.between(20, 40)
  const share = random.between(0.6, 0.95)
  const abuse = arrivals(ctx.start, minutes, perMinute, random).map((at) =>
    usual(
      ctx,
      at,
      key,
      random.chance(share)
        ? writeProbingPrompt(random)
        : writeNormalPrompt(app.useCase, random, { personalShare: 0 }),
    ),
  )
  return finish(ctx, planted, abuse, {
    kind: 'filter_probing',
    summary: `${app.name} (${app.tier}): ${round(share * 100)}% of ${round(perMinute)} requests a minute probe the filter, for ${round(minutes)} minutes`,
    apps: [planted.app],
    keys: [key],
    alsoExpected: [],
  })
}

/** A spam or astroturfing campaign: near-identical prompts spread over several accounts. */
function nearDuplicateBurst(ctx: EpisodeContext): PlantedEpisode {
  const { random } = ctx
  const appCount = random.int(2, 4)
  const apps: number[] = []
  const keys: number[] = []
  const requests: PlannedRequest[] = []
  for (let i = 0; i < appCount; i += 1) {
    // Sock puppets: three keys at least, however many applications they spread over.
    const keyCount = appCount === 2 && i === 0 ? 2 : random.int(1, 2)
    const planted = plantApp(ctx, random.chance(0.5) ? 'sandbox' : 'production', keyCount, 'spam')
    apps.push(planted.app)
    keys.push(...planted.keys)
    requests.push(...planted.requests)
  }
  const copies = random.int(30, 120)
  const minutes = random.between(4, 10)
  const campaign = createCampaign(random)
  const abuse = arrivals(ctx.start, minutes, copies / minutes, random).map((at) =>
    usual(ctx, at, random.pick(keys), campaign(random)),
  )
  return finish(ctx, { requests }, abuse, {
    kind: 'near_duplicate',
    summary: `${abuse.length} near-identical prompts over ${round(minutes)} minutes from ${keys.length} keys of ${appCount} applications`,
    apps,
    keys,
    alsoExpected: [],
  })
}

/** One key of an application tries jailbreak after jailbreak. */
function jailbreakRun(ctx: EpisodeContext): PlantedEpisode {
  const { random } = ctx
  const planted = plantApp(
    ctx,
    random.chance(0.5) ? 'sandbox' : 'production',
    random.int(1, 2),
    'jailbreak',
  )
  const app = ctx.population.appAt(planted.app)
  const { key } = planted
  const attempts = random.int(8, 24)
  const minutes = random.between(3, 10)
  const abuse = arrivals(ctx.start, minutes, attempts / minutes, random).map((at) =>
    usual(ctx, at, key, writeJailbreakPrompt(random, systemPromptOf(app.useCase))),
  )
  return finish(ctx, planted, abuse, {
    kind: 'jailbreak_run',
    summary: `${app.name} (${app.tier}): ${abuse.length} jailbreak attempts from one key in ${round(minutes)} minutes`,
    apps: [planted.app],
    keys: [key],
    // The filter flags the attempts: the application is probing it too.
    alsoExpected: ['filter_probing'],
  })
}

/** A sandbox application runs production traffic through its sandbox tier, pinned at its limits. */
function sandboxAbuse(ctx: EpisodeContext): PlantedEpisode {
  const { random } = ctx
  const planted = plantApp(ctx, 'sandbox', 1, 'sandbox')
  const app = ctx.population.appAt(planted.app)
  const { key } = planted
  const perMinute = random.between(28, 45)
  const minutes = random.between(15, 30)
  const abuse = arrivals(ctx.start, minutes, perMinute, random).map((at) =>
    usual(ctx, at, key, writeNormalPrompt(app.useCase, random, { personalShare: 0 })),
  )
  return finish(ctx, planted, abuse, {
    kind: 'sandbox_abuse',
    summary: `${app.name}: ${round(perMinute)} requests a minute against a limit of 20, for ${round(minutes)} minutes`,
    apps: [planted.app],
    keys: [key],
    // Pinned at its limits, it also sends more than it used to.
    alsoExpected: ['volume_spike'],
  })
}

function finish(
  ctx: EpisodeContext,
  planted: { readonly requests: PlannedRequest[] },
  abuse: PlannedRequest[],
  episode: Omit<Episode, 'index' | 'start' | 'end'>,
): PlantedEpisode {
  const inWindow = abuse.filter((r) => r.at < ctx.window.end)
  return {
    episode: {
      ...episode,
      index: ctx.index,
      start: inWindow[0]?.at ?? ctx.start,
      end: inWindow[inWindow.length - 1]?.at ?? ctx.start,
    },
    requests: [...planted.requests, ...inWindow],
  }
}

/** How each kind of episode is planted. */
export const episodePlanters: Readonly<
  Record<EpisodeKind, (ctx: EpisodeContext) => PlantedEpisode>
> = {
  volume_spike: volumeSpike,
  key_sharing: keyLeak,
  filter_probing: filterProbing,
  near_duplicate: nearDuplicateBurst,
  jailbreak_run: jailbreakRun,
  sandbox_abuse: sandboxAbuse,
}
