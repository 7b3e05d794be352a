import { USE_CASES, type ChatMessage, type UseCase } from './normal-prompts.js'
import type { Random } from './seeded-random.js'

/** An organization of the simulation, created in Warden before the traffic starts. */
export interface SimOrg {
  readonly name: string
}

/** The tiers of the default usage policy: every new application starts in `sandbox`. */
export type SimTier = 'sandbox' | 'production'

/** An application: what it is for, its tier, and how its users behave. */
export interface SimApp {
  readonly name: string
  readonly org: number
  readonly tier: SimTier
  readonly useCase: UseCase
  /** Planted for an episode of misuse (with everyday use besides), or one of the normal ones. */
  readonly planted: boolean
  /** Local time of its users: hours east of UTC. */
  readonly utcOffsetHours: number
  /** Business hours and weekdays, or evenings and weekends. */
  readonly rhythm: 'business' | 'consumer'
  /** Share of prompts that carry an email address or a phone number. */
  readonly personalShare: number
  /** Share of requests streamed. */
  readonly streamShare: number
  /** Requests per session: 1 + a geometric count of this mean. */
  readonly sessionExtra: number
  /** Median seconds between two requests of a session. */
  readonly gapSeconds: number
}

/** An API key, and where its traffic comes from in everyday use. */
export interface SimKey {
  readonly name: string
  readonly app: number
  /** Share of its application's sessions. */
  readonly share: number
  /** Client addresses it is used from. */
  readonly sources: readonly string[]
  /** `User-Agent`s it sends; a later one replaces an earlier one at `upgradeAt` (a deploy). */
  readonly userAgents: readonly string[]
  readonly upgradeAt: number | null
}

/** One request of the plan: when, with which key, from where, saying what. */
export interface PlannedRequest {
  /** Simulated time, Unix ms. */
  readonly at: number
  readonly key: number
  readonly source: string
  readonly userAgent: string
  readonly stream: boolean
  readonly messages: readonly ChatMessage[]
  /** The episode of misuse it belongs to, or null for everyday use. */
  readonly episode: number | null
}

// prettier-ignore
const SDK_AGENTS = [
  'OpenAI/Python 1.51.0', 'OpenAI/Python 1.54.4', 'OpenAI/JS 4.67.1', 'OpenAI/JS 4.73.0',
  'langchain-python/0.3.7', 'python-httpx/0.27.2', 'axios/1.7.7', 'Go-http-client/2.0',
  'okhttp/4.12.0', 'undici', 'ruby-openai/7.3.1', 'Java-http-client/21.0.4',
]
// prettier-ignore
const DEVELOPER_AGENTS = [
  'curl/8.5.0', 'PostmanRuntime/7.42.0', 'insomnia/10.1.1', 'OpenAI/Python 1.54.4',
  'HTTPie/3.2.4', 'OpenAI/JS 4.73.0',
]
// prettier-ignore
const STRANGER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'python-requests/2.32.3', 'python-requests/2.31.0', 'curl/7.81.0', 'curl/8.9.1',
  'node-fetch/1.0 (+https://github.com/bitinn/node-fetch)', 'Wget/1.21.4', 'aiohttp/3.10.10',
  'OpenAI/Python 1.30.1', 'OpenAI/JS 4.20.0', 'Go-http-client/1.1', 'Dart/3.5 (dart:io)',
  'okhttp/3.14.9', 'PostmanRuntime/7.37.3', 'LibreChat/0.7.5', 'SillyTavern/1.12.6',
]
/** First octets of cloud providers' address space, where servers call from. */
const CLOUD_OCTETS = [3, 13, 18, 20, 34, 35, 40, 44, 52, 54, 104, 130, 146, 157, 159, 165]
/** First octets of consumer ISPs' address space, where a leaked key's strangers call from. */
// prettier-ignore
const HOME_OCTETS = [24, 50, 67, 71, 73, 76, 81, 86, 90, 98, 109, 151, 176, 178, 185, 188, 190, 201, 212, 217]

/** A public-looking IPv4 address in one of the given first octets. */
export function ipv4In(octets: readonly number[], random: Random): string {
  return `${random.pick(octets)}.${random.int(0, 255)}.${random.int(0, 255)}.${random.int(1, 254)}`
}

/** A client address of a stranger: a consumer IPv4 address, or an IPv6 one (its own /64). */
export function strangerAddress(random: Random): string {
  if (random.chance(0.75)) return ipv4In(HOME_OCTETS, random)
  const hex = () => random.int(0, 0xffff).toString(16)
  return `2a0${random.int(1, 9)}:${hex()}:${hex()}:${hex()}::${hex()}`
}

/** A `User-Agent` a stranger with a leaked key might send. */
export function strangerAgent(random: Random): string {
  return random.pick(STRANGER_AGENTS)
}

/** Sizes and rhythms drawn for one application. */
export interface AppDraw {
  readonly tier: SimTier
  readonly useCase?: UseCase
}

/** The orgs, applications and keys of a run, built up in order. */
export interface Population {
  readonly orgs: SimOrg[]
  readonly apps: SimApp[]
  readonly keys: SimKey[]
  /** The application at an index; throws when there is none. */
  appAt(index: number): SimApp
  /** The key at an index; throws when there is none. */
  keyAt(index: number): SimKey
  /** Adds an organization; returns its index. */
  addOrg(prefix: string): number
  /** Adds an application with everyday habits drawn at random; returns its index. */
  addApp(org: number, draw: AppDraw & { readonly planted: boolean }, random: Random): number
  /** Adds the keys of an application in everyday use (servers, or a developer's machine). */
  addKeys(app: number, count: number, window: { start: number; end: number }, random: Random): void
}

/**
 * How often an application's prompts carry someone's e-mail address or phone number, which the
 * default policy flags: a support desk whose tickets arrive with the customer's contact details
 * does on most requests, and that must not read as probing the filters.
 */
function personalShareOf(useCase: UseCase, random: Random): number {
  if (useCase !== 'support') return random.between(0, 0.01)
  return random.chance(0.5) ? random.between(0.4, 0.9) : random.between(0.03, 0.1)
}

export function createPopulation(): Population {
  const orgs: SimOrg[] = []
  const apps: SimApp[] = []
  const keys: SimKey[] = []
  const pad = (n: number) => String(n).padStart(3, '0')

  const at = <T>(list: readonly T[], index: number, what: string): T => {
    const item = list[index]
    if (item === undefined) throw new Error(`no ${what} ${index} in the population`)
    return item
  }

  return {
    orgs,
    apps,
    keys,
    appAt: (index) => at(apps, index, 'application'),
    keyAt: (index) => at(keys, index, 'key'),
    addOrg(prefix) {
      orgs.push({ name: `${prefix}-org-${pad(orgs.length + 1)}` })
      return orgs.length - 1
    },
    addApp(org, draw, random) {
      const useCase = draw.useCase ?? random.pick(USE_CASES)
      const consumer = useCase === 'travel' || useCase === 'cooking' || useCase === 'tutor'
      apps.push({
        name: `${useCase}-${pad(apps.length + 1)}`,
        org,
        tier: draw.tier,
        useCase,
        planted: draw.planted,
        utcOffsetHours: random.pick([-8, -7, -5, -3, 0, 1, 2, 3, 5.5, 8, 9, 10]),
        rhythm: consumer || random.chance(0.2) ? 'consumer' : 'business',
        personalShare: personalShareOf(useCase, random),
        streamShare: random.chance(0.5) ? random.between(0.5, 1) : random.between(0, 0.2),
        sessionExtra: draw.tier === 'sandbox' ? random.between(1, 4) : random.between(0.5, 3),
        gapSeconds: random.between(8, 45),
      })
      return apps.length - 1
    },
    addKeys(app, count, window, random) {
      const sandbox = apps[app]?.tier === 'sandbox'
      const shares = Array.from({ length: count }, () => random.between(0.2, 1))
      const total = shares.reduce((a, b) => a + b, 0)
      for (let i = 0; i < count; i += 1) {
        // Servers call from a few cloud addresses; a developer from an office or home or two.
        const sources = sandbox
          ? Array.from({ length: random.int(1, 2) }, () => ipv4In(HOME_OCTETS, random))
          : Array.from(
              {
                length: random.weighted([
                  [1, 3],
                  [2, 3],
                  [3, 2],
                  [4, 1],
                  [6, 1],
                ] as const),
              },
              () => ipv4In(CLOUD_OCTETS, random),
            )
        const agents = sandbox
          ? random.shuffled(DEVELOPER_AGENTS).slice(0, random.int(1, 3))
          : [random.pick(SDK_AGENTS)]
        // Now and then a deploy moves a server to a newer client library mid-run.
        const upgrade = !sandbox && random.chance(0.3)
        if (upgrade) agents.push(random.pick(SDK_AGENTS))
        keys.push({
          name: `key-${pad(keys.length + 1)}`,
          app,
          share: (shares[i] ?? 1) / total,
          sources,
          userAgents: agents,
          upgradeAt: upgrade ? random.between(window.start, window.end) : null,
        })
      }
    },
  }
}
