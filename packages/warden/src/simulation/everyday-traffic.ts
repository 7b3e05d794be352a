import { writeJailbreakPrompt, writeProbingPrompt } from './abuse-prompts.js'
import { writeAnswer } from './answer-writer.js'
import { systemPromptOf, writeNormalPrompt, type ChatMessage } from './normal-prompts.js'
import type { PlannedRequest, SimApp, SimKey } from './population.js'
import type { Random } from './seeded-random.js'

const MINUTE_MS = 60_000
const HOUR_MS = 60 * MINUTE_MS
const DAY_MS = 24 * HOUR_MS

/** Everyday users who try an injection once out of curiosity, or type something flagged. */
const STRAY_INJECTION_SHARE = 0.001
const STRAY_FLAGGED_SHARE = 0.001

/** The simulated window: [start, end), Unix ms. */
export interface TimeWindow {
  readonly start: number
  readonly end: number
}

/**
 * How busy an application's users are in the hour that starts at `at`, relative to its average:
 * a day-night sinusoid in their local time (peaking mid-afternoon for business use, in the
 * evening for consumer use), less at weekends for business use and more for consumer use.
 */
export function rhythmAt(app: SimApp, at: number): number {
  const local = at + app.utcOffsetHours * HOUR_MS
  const hour = (local % DAY_MS) / HOUR_MS
  const weekday = new Date(local).getUTCDay()
  const weekend = weekday === 0 || weekday === 6
  const peak = app.rhythm === 'business' ? 14 : 20
  const daily = Math.max(0.05, 1 + 0.9 * Math.cos((2 * Math.PI * (hour - peak)) / 24))
  const weekly = app.rhythm === 'business' ? (weekend ? 0.3 : 1) : weekend ? 1.3 : 0.95
  return daily * weekly
}

/** Picks an hour by weight and a moment in it. */
function sessionStarts(app: SimApp, window: TimeWindow, random: Random): () => number {
  const hours = Math.max(1, Math.ceil((window.end - window.start) / HOUR_MS))
  const cumulative: number[] = []
  let total = 0
  for (let h = 0; h < hours; h += 1) {
    // Hour-to-hour noise on top of the rhythm: some hours are just busier.
    total += rhythmAt(app, window.start + h * HOUR_MS + HOUR_MS / 2) * random.logNormal(1, 0.3)
    cumulative.push(total)
  }
  return () => {
    const roll = random.next() * total
    let lo = 0
    let hi = cumulative.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if ((cumulative[mid] as number) > roll) hi = mid
      else lo = mid + 1
    }
    const at = window.start + lo * HOUR_MS + random.next() * HOUR_MS
    return Math.min(at, window.end - 1)
  }
}

/** The `User-Agent` a key sends at `at`: its newest library once the deploy happened. */
function agentAt(key: SimKey, at: number, random: Random): string {
  const agents = key.userAgents
  if (key.upgradeAt === null) return random.pick(agents)
  return at >= key.upgradeAt
    ? (agents[agents.length - 1] as string)
    : random.pick(agents.slice(0, -1))
}

/** What an everyday user sends: a prompt of the app's use case, now and then a follow-up. */
function everydayMessages(
  app: SimApp,
  previous: readonly ChatMessage[] | null,
  random: Random,
): ChatMessage[] {
  if (random.chance(STRAY_INJECTION_SHARE)) {
    return writeJailbreakPrompt(random, systemPromptOf(app.useCase))
  }
  if (random.chance(STRAY_FLAGGED_SHARE)) return writeProbingPrompt(random)
  const messages = writeNormalPrompt(app.useCase, random, { personalShare: app.personalShare })
  const [system, user] = messages
  const last = previous?.[previous.length - 1]
  if (last === undefined || system === undefined || user === undefined || !random.chance(0.4)) {
    return messages
  }
  // A follow-up in the same conversation: the earlier question and its answer come along.
  return [system, last, { role: 'assistant', content: writeAnswer(last.content) }, user]
}

/** Everyday use of one application: `budget` requests in sessions over the window. */
export function planEverydayTraffic(input: {
  readonly app: SimApp
  readonly keys: readonly (readonly [number, SimKey])[]
  readonly budget: number
  readonly window: TimeWindow
  readonly random: Random
}): PlannedRequest[] {
  const { app, keys, window, random } = input
  const out: PlannedRequest[] = []
  if (keys.length === 0 || input.budget <= 0) return out
  const nextStart = sessionStarts(app, window, random)
  const keyWeights = keys.map(([index, key]) => [index, key.share] as const)
  const byIndex = new Map(keys)
  let left = input.budget
  const push = (at: number, keyIndex: number, source: string, messages: ChatMessage[]) => {
    const key = byIndex.get(keyIndex) as SimKey
    out.push({
      at: Math.floor(at),
      key: keyIndex,
      source,
      userAgent: agentAt(key, at, random),
      stream: random.chance(app.streamShare),
      messages,
      episode: null,
    })
    left -= 1
  }

  // A sandbox developer now and then runs a loop against the API and hits the tier's limits for
  // a minute or two; a production app may run a nightly batch job.
  const days = Math.max(1, Math.round((window.end - window.start) / DAY_MS))
  for (let day = 0; day < days && left > 0; day += 1) {
    const burst =
      app.tier === 'sandbox' && random.chance(0.35)
        ? random.int(25, 45)
        : app.tier === 'production' &&
            (app.useCase === 'extract' || app.useCase === 'summarize') &&
            random.chance(0.6)
          ? Math.round(input.budget * random.between(0.05, 0.15))
          : 0
    if (burst === 0) continue
    const [keyIndex, key] = keys[0] as readonly [number, SimKey]
    const perMinute = app.tier === 'sandbox' ? random.between(25, 45) : random.between(8, 30)
    let at =
      app.tier === 'sandbox'
        ? nextStart()
        : window.start + day * DAY_MS + (random.between(1, 4) - app.utcOffsetHours) * HOUR_MS
    const source = random.pick(key.sources)
    for (let i = 0; i < Math.min(burst, left); i += 1) {
      at += random.exponential(perMinute / MINUTE_MS)
      if (at < window.start || at >= window.end) continue
      push(at, keyIndex, source, writeNormalPrompt(app.useCase, random, { personalShare: 0 }))
    }
  }

  while (left > 0) {
    const keyIndex = random.weighted(keyWeights)
    const key = byIndex.get(keyIndex) as SimKey
    // A developer works from one place per session; servers spread over their addresses.
    const sessionSource = random.pick(key.sources)
    let at = nextStart()
    let previous: ChatMessage[] | null = null
    let size = 1
    while (random.chance(app.sessionExtra / (1 + app.sessionExtra))) size += 1
    for (let i = 0; i < size && left > 0 && at < window.end; i += 1) {
      const messages = everydayMessages(app, previous, random)
      const source = app.tier === 'sandbox' ? sessionSource : random.pick(key.sources)
      push(at, keyIndex, source, messages)
      previous = messages
      at += random.logNormal(app.gapSeconds, 0.7) * 1000
    }
  }
  return out
}
