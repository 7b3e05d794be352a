import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { Agent, request } from 'undici'
import { loadConfig } from '../config/index.js'
import { detectorKinds } from '../monitoring/index.js'
import { providerKinds } from '../providers/index.js'
import { openScratchDatabase } from '../store/index.js'
import { createLogger } from '../logger.js'
import { serve, type RunningServer } from '../serve.js'
import { createServices, type Services } from '../services.js'
import type { EpisodeKind } from './abuse-episodes.js'
import { scoreDetections, type DetectionScore, type ResolvedEpisode } from './detection-score.js'
import type { PlannedRequest } from './population.js'
import { startSimulatedUpstream, SIMULATED_MODEL } from './simulated-upstream.js'
import { planTraffic, type TrafficPlan } from './traffic-plan.js'
import { createWatch } from './watch.js'

/** How often, in simulated time, the usage feed is read while traffic flows. */
const TICK_MS = 15_000
/** How long the simulation waits, in real time, for requests to settle before a read. */
const SETTLE_MS = 10_000

export interface SimulationOptions {
  readonly seed: string
  /** Normal applications. */
  readonly apps: number
  /** Requests of the normal applications over the run. */
  readonly requests: number
  /** Simulated hours. */
  readonly hours: number
  /** Episodes of each kind of misuse (0: a normal-only run). */
  readonly episodesPerKind: number
  /** The kinds planted; every kind unless said. */
  readonly kinds?: readonly EpisodeKind[]
  /** A PostgreSQL database to run in (in a schema of its own, dropped after); else SQLite. */
  readonly databaseUrl?: string
  /** Told now and then how far the run is: requests sent of the total. */
  readonly onProgress?: (sent: number, total: number) => void
  /** Where Warden's own warnings go (default: nowhere). */
  readonly log?: NodeJS.WritableStream
}

export interface SimulationReport {
  readonly seed: string
  readonly database: 'sqlite' | 'postgres'
  /** The simulated window, Unix ms. */
  readonly start: number
  readonly end: number
  readonly apps: { readonly normal: number; readonly planted: number }
  readonly requests: TrafficPlan['counts'] & {
    readonly sent: number
    /** Responses by HTTP status. */
    readonly byStatus: Readonly<Record<string, number>>
  }
  readonly score: DetectionScore
  /** The name of each application and key the incidents name, by id. */
  readonly names: Readonly<Record<string, string>>
}

interface Warden {
  readonly services: Services
  readonly server: RunningServer
  close(): Promise<void>
}

/** Starts Warden in this process on a scratch database, its clock the simulation's. */
async function startWarden(
  options: SimulationOptions,
  upstreamUrl: string,
  now: () => number,
): Promise<Warden> {
  const database = await openScratchDatabase(options.databaseUrl)
  const dir = mkdtempSync(join(tmpdir(), 'warden-simulate-'))
  const cleanUp = async () => {
    await database.drop()
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    const config = loadConfig({
      // Only what is given here: the operator's warden.yaml and environment do not apply.
      env: {
        WARDEN_PORT: '0',
        WARDEN_DATABASE_URL: database.url,
        WARDEN_SQLITE_PATH: database.sqlitePath,
      },
      file: undefined,
      cwd: dir,
      providerKinds,
      values: {
        // Client addresses arrive in X-Forwarded-For, as behind a load balancer.
        server: { host: '127.0.0.1', trustProxy: true },
        // Metrics are counted as in a real server, on a free port beside a Warden already running.
        metrics: { port: 0 },
        log: { level: 'warn' },
        // Flushed by the simulation before each read of the feed, not on a timer; and the
        // monitor reads the feed when the simulation says, at fixed points of simulated time.
        usage: { flushIntervalMs: 3_600_000 },
        monitoring: { enabled: false },
        providers: {
          simulated: {
            kind: 'openai-compatible',
            baseUrl: upstreamUrl,
            timeoutMs: 10_000,
            connections: 4,
          },
        },
        models: [{ id: SIMULATED_MODEL, provider: 'simulated' }],
      },
    })
    const log =
      options.log ??
      new Writable({
        write(_chunk, _encoding, done) {
          done()
        },
      })
    const services = await createServices(config, { logger: createLogger(config.log, log), now })
    const server = await serve(services).catch(async (error: unknown) => {
      await services.close()
      throw error
    })
    return {
      services,
      server,
      async close() {
        try {
          await server.close()
        } finally {
          await cleanUp()
        }
      },
    }
  } catch (error) {
    await cleanUp()
    throw error
  }
}

/** Creates the plan's organizations, applications and keys; returns the ids and the secrets. */
async function createAccounts(plan: TrafficPlan, services: Services) {
  const actor = 'simulation'
  const orgIds: string[] = []
  for (const org of plan.orgs) {
    orgIds.push((await services.organizations.createOrganization(org.name, actor)).id)
  }
  const accepted = new Set<string>()
  const appIds: string[] = []
  for (const app of plan.apps) {
    const orgId = orgIds[app.org] as string
    const created = await services.organizations.createApplication(orgId, app.name, actor)
    if (app.tier === 'production') {
      const reason = 'use case approved (simulation)'
      await services.organizations.setTier(created.id, 'production', { actor, reason })
      if (!accepted.has(orgId)) {
        await services.policyVersions.accept(orgId, actor)
        accepted.add(orgId)
      }
    }
    appIds.push(created.id)
  }
  const keyIds: string[] = []
  const secrets: string[] = []
  for (const key of plan.keys) {
    const app = plan.apps[key.app]
    const created = await services.apiKeys.createKey({
      appId: appIds[key.app] as string,
      orgId: orgIds[app?.org ?? 0] as string,
      name: key.name,
      actor,
    })
    keyIds.push(created.info.id)
    secrets.push(created.key)
  }
  return { appIds, keyIds, secrets }
}

/** Sends one planned request over HTTP; resolves with the status once the body is read. */
async function send(
  agent: Agent,
  url: string,
  secret: string,
  planned: PlannedRequest,
): Promise<number> {
  const response = await request(`${url}/v1/chat/completions`, {
    method: 'POST',
    dispatcher: agent,
    headers: {
      authorization: `Bearer ${secret}`,
      'content-type': 'application/json',
      'user-agent': planned.userAgent,
      'x-forwarded-for': planned.source,
    },
    body: JSON.stringify({
      model: SIMULATED_MODEL,
      messages: planned.messages,
      ...(planned.stream ? { stream: true } : {}),
    }),
  })
  await response.body.text()
  return response.statusCode
}

/**
 * Runs a simulation: plans the traffic, starts Warden (real HTTP on a loopback port, a real
 * database) and a simulated upstream, sends every planned request in time order with Warden's
 * clock set to its simulated time, reads the usage feed every {@link TICK_MS} of simulated time
 * as the server's monitor does, and scores the incidents raised against the planted episodes.
 * Requests go one at a time, so the order the detectors see, and every figure, depends on the
 * seed alone.
 */
export async function runSimulation(options: SimulationOptions): Promise<SimulationReport> {
  const plan = planTraffic(options)
  let clock = plan.window.start - 3_600_000
  const upstream = await startSimulatedUpstream()
  let warden: Warden | null = null
  const agent = new Agent({ connections: 1, pipelining: 1 })
  try {
    warden = await startWarden(options, upstream.url, () => clock)
    const { services, server } = warden
    const accounts = await createAccounts(plan, services)
    const watch = createWatch(services)
    // The feed starts at the newest event when first read: read it before the traffic starts.
    await watch.tick()

    // Requests settle (their usage events queue) a moment after their responses end.
    const read = async () => {
      await services.pipeline.drained(SETTLE_MS)
      await services.usage.flush()
      await watch.tick()
    }

    const byStatus: Record<string, number> = {}
    let nextTick = plan.window.start + TICK_MS
    let unread = false
    const total = plan.requests.length
    const every = Math.max(1, Math.floor(total / 20))
    for (let i = 0; i < total; i += 1) {
      const planned = plan.requests[i] as PlannedRequest
      if (planned.at >= nextTick) {
        if (unread) {
          clock = nextTick
          await read()
          unread = false
        }
        nextTick = planned.at - (planned.at % TICK_MS) + TICK_MS
      }
      clock = planned.at
      const status = await send(agent, server.url, accounts.secrets[planned.key] as string, planned)
      byStatus[status] = (byStatus[status] ?? 0) + 1
      unread = true
      if ((i + 1) % every === 0) options.onProgress?.(i + 1, total)
    }
    clock = Math.max(clock, plan.window.end)
    await read()

    const resolved: ResolvedEpisode[] = plan.episodes.map((episode) => ({
      episode,
      appIds: new Set(episode.apps.map((a) => accounts.appIds[a] as string)),
      keyIds: new Set(episode.keys.map((k) => accounts.keyIds[k] as string)),
    }))
    const plantedIds = new Set<string>()
    plan.apps.forEach((app, i) => {
      if (app.planted) plantedIds.add(accounts.appIds[i] as string)
    })
    plan.keys.forEach((key, i) => {
      if (plan.apps[key.app]?.planted === true) plantedIds.add(accounts.keyIds[i] as string)
    })
    const score = scoreDetections({
      detectors: Object.keys(detectorKinds),
      episodes: resolved,
      incidents: await watch.incidents(),
      plantedIds,
    })
    const names: Record<string, string> = {}
    plan.apps.forEach((app, i) => (names[accounts.appIds[i] as string] = app.name))
    plan.keys.forEach((key, i) => {
      names[accounts.keyIds[i] as string] = `${plan.apps[key.app]?.name ?? '?'}/${key.name}`
    })
    return {
      seed: options.seed,
      database: services.store.dialect === 'postgres' ? 'postgres' : 'sqlite',
      start: plan.window.start,
      end: plan.window.end,
      apps: {
        normal: plan.apps.filter((a) => !a.planted).length,
        planted: plan.apps.filter((a) => a.planted).length,
      },
      requests: { ...plan.counts, sent: total, byStatus },
      score,
      names,
    }
  } finally {
    await agent.close()
    await warden?.close()
    await upstream.close()
  }
}
