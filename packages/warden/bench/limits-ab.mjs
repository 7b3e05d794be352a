// A feature on against off, as a controlled experiment: limits (the default), metrics, or
// tracing. On this machine a Warden process runs at a speed of its own for its whole life (one
// started first ran ~8% slower than its twin, whatever it did), which no number of rounds
// against the same two processes averages out. So every round starts both afresh, and the
// rounds cycle through the four orders of start and of measurement; the figure is the median of
// the per-round ratios, with their geometric mean beside it. Both have the default content
// filter and log line.
//   --compare limits   limits on (memory counters) / off
//   --compare metrics  metrics on (the default listener, scraped every --scrape-every s) / off
//   --compare tracing  tracing to a local OTLP sink (another process), every request sampled /
//                      tracing off; both with metrics on
//   --compare monitoring  metrics and the live detectors (the default) / neither: metrics
//                      off, no detectors in the process and a policy with monitoring off (no
//                      prompt signatures on usage events)
//   --compare moderation  the default content filter on / off (no goal: it says what filtering
//                      costs; use --prompt-bytes 1024 for the content filter's stated prompt)
// Run after `npm run build`:
//   node packages/warden/bench/limits-ab.mjs [--compare limits] [--rounds 8] [--duration 5]
//     [--slices 1] [--warmup 2] [--scrape-every 1] [--prompt-bytes N]
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'
import {
  EXIT_WITH_PARENT,
  installCleanup,
  startListeningChild,
  stopAllChildren,
  stopChild,
} from './children.mjs'
import { median, preflight, prose, runScenario, usageQueueOf, usePrompt } from './measure.mjs'
import { startWarden } from './start-warden.mjs'

const { values: flags } = parseArgs({
  options: {
    rounds: { type: 'string', default: '8' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    compare: { type: 'string', default: 'limits' },
    'scrape-every': { type: 'string', default: '1' },
    'prompt-bytes': { type: 'string' },
    // Measurements of each process per round, alternating on and off: on a machine whose
    // other load comes and goes, both then see more of the same conditions (the median counts).
    slices: { type: 'string', default: '1' },
  },
})
const rounds = Number(flags.rounds)
if (flags['prompt-bytes'] !== undefined) usePrompt(prose(Number(flags['prompt-bytes'])))
const log = (line) => process.stderr.write(`${line}\n`)
const benchDir = path.dirname(fileURLToPath(import.meta.url))
const tempDir = mkdtempSync(path.join(os.tmpdir(), 'warden-limits-ab-'))
installCleanup(log, () => rmSync(tempDir, { recursive: true, force: true }))

/**
 * What each comparison sets on its two Wardens: `on` and `off` are their environments, given
 * the OTLP sink's URL; `title` heads the report; `goal` is the lowest on/off req/s ratio accepted.
 */
const COMPARISONS = {
  limits: {
    title: 'Limits on (memory) / off',
    on: () => ({}),
    off: () => ({ WARDEN_LIMITS_ENABLED: 'false' }),
    goal: 0.9,
  },
  metrics: {
    title: 'Metrics on / off',
    on: () => ({}),
    off: () => ({ WARDEN_METRICS_EXPOSE: 'off' }),
    goal: 0.95,
  },
  tracing: {
    title: 'Tracing to a local OTLP sink (all sampled) / off, metrics on in both',
    on: (sink) => ({ WARDEN_TRACING_ENDPOINT: sink }),
    off: () => ({}),
    goal: 0.95,
  },
  monitoring: {
    title: 'Metrics and detectors (the default) / neither',
    on: () => ({}),
    off: () => ({
      WARDEN_METRICS_EXPOSE: 'off',
      WARDEN_MONITORING_ENABLED: 'false',
      WARDEN_POLICY_FILE: policyWithoutMonitoring(),
    }),
    goal: 0.95,
  },
  moderation: {
    title: 'Content filter on (the default classifiers) / off',
    on: () => ({}),
    off: () => ({ WARDEN_MODERATION_ENABLED: 'false' }),
    goal: 0,
  },
}
/** The default policy with its `monitoring` section switched off, written once to the temp dir. */
function policyWithoutMonitoring() {
  const file = path.join(tempDir, 'policy-without-monitoring.yaml')
  if (!existsSync(file)) {
    const text = readFileSync(path.join(benchDir, '..', 'policies', 'default.yaml'), 'utf8')
    if (!/^monitoring:\n/m.test(text))
      throw new Error('the default policy has no monitoring section')
    writeFileSync(file, text.replace(/^monitoring:\n/m, 'monitoring:\n  enabled: false\n'))
  }
  return file
}

const comparison = COMPARISONS[flags.compare]
if (comparison === undefined) {
  throw new Error(`--compare takes ${Object.keys(COMPARISONS).join(', ')}`)
}
const ON = `${flags.compare}-on`
const OFF = `${flags.compare}-off`

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

async function startVariant(name, stubUrl, sinkUrl, round) {
  const dir = path.join(tempDir, `${name}-${round}`)
  mkdirSync(dir)
  const metricsPort = await freePort()
  const env = {
    WARDEN_METRICS_PORT: String(metricsPort),
    ...(name === ON ? comparison.on(sinkUrl) : comparison.off(sinkUrl)),
  }
  const warden = await startWarden({ upstreamUrl: stubUrl, tempDir: dir, env })
  const target = {
    name,
    url: warden.url,
    pid: warden.pid,
    headers: { authorization: `Bearer ${warden.apiKey}` },
    child: warden.child,
    metricsUrl:
      env.WARDEN_METRICS_EXPOSE === 'off' ? null : `http://127.0.0.1:${metricsPort}/metrics`,
  }
  await preflight(target, { model: 'stub-model', stream: false })
  return target
}

/** Scrapes every target's /metrics as Prometheus would, only more often; returns a stop. */
function scrapeWhileRunning(targets) {
  const everyMs = Number(flags['scrape-every']) * 1000
  const urls = targets.map((t) => t.metricsUrl).filter((url) => url !== null)
  if (urls.length === 0 || !(everyMs > 0)) return () => {}
  const timer = setInterval(() => {
    for (const url of urls) {
      fetch(url)
        .then((res) => res.text())
        .catch(() => undefined)
    }
  }, everyMs)
  return () => clearInterval(timer)
}

const geomean = (values) => Math.exp(values.reduce((a, v) => a + Math.log(v), 0) / values.length)

async function main() {
  const stub = await startListeningChild('stub', process.execPath, [
    ...EXIT_WITH_PARENT,
    path.join(benchDir, 'stub-server.mjs'),
    '0',
  ])
  const sink =
    flags.compare === 'tracing'
      ? await startListeningChild('otlp-sink', process.execPath, [
          ...EXIT_WITH_PARENT,
          path.join(benchDir, 'otlp-sink.mjs'),
        ])
      : null
  const plan = {
    model: 'stub-model',
    durationS: Number(flags.duration),
    warmupS: Number(flags.warmup),
    rounds: Number(flags.slices),
    stubPid: stub.pid,
    log,
    peaks: new Map(),
  }
  const perRound = []
  let dropped = 0
  for (let round = 0; round < rounds; round += 1) {
    const names = [ON, OFF]
    const startOrder = round % 2 === 0 ? names : [...names].reverse()
    const measureOrder = Math.floor(round / 2) % 2 === 0 ? names : [...names].reverse()
    const started = {}
    for (const name of startOrder) {
      started[name] = await startVariant(name, stub.url, sink?.url ?? null, round)
    }
    const stopScraping = scrapeWhileRunning(Object.values(started))
    const run = await runScenario(
      `round ${round + 1}/${rounds}: started ${startOrder.join(', ')}; measured ${measureOrder.join(', ')}`,
      { connections: Number(flags.connections), stream: false, tool: 'autocannon' },
      measureOrder.map((name) => started[name]),
      plan,
    )
    stopScraping()
    for (const target of Object.values(started)) {
      if (target.metricsUrl === null) continue
      const queue = await usageQueueOf(target.metricsUrl)
      if (queue === null) continue
      dropped += queue.dropped ?? 0
      log(`  ${target.name}: ${queue.written} usage events written, ${queue.dropped} dropped`)
    }
    for (const target of Object.values(started)) await stopChild(target.child)
    // With slices, each slice of one process is paired with the adjacent slice of the other.
    const pairs = run.rounds ?? [
      {
        [ON]: {
          requestsPerSecond: run[ON].requestsPerSecond,
          cpuMsPerRequest: run[ON].server.cpuMsPerRequest,
        },
        [OFF]: {
          requestsPerSecond: run[OFF].requestsPerSecond,
          cpuMsPerRequest: run[OFF].server.cpuMsPerRequest,
        },
      },
    ]
    for (const pair of pairs) {
      const on = pair[ON]
      const off = pair[OFF]
      const figures = {
        rps: on.requestsPerSecond / off.requestsPerSecond,
        cpu: on.cpuMsPerRequest / off.cpuMsPerRequest,
        onRps: on.requestsPerSecond,
        offRps: off.requestsPerSecond,
      }
      perRound.push(figures)
      log(
        `  on/off req/s x${figures.rps.toFixed(3)} (${figures.onRps.toFixed(0)} / ${figures.offRps.toFixed(0)}), CPU/req x${figures.cpu.toFixed(3)}`,
      )
    }
  }
  const rps = perRound.map((r) => r.rps)
  const cpu = perRound.map((r) => r.cpu)
  process.stdout.write(
    [
      `${comparison.title}, ${rounds} rounds of fresh processes × ${flags.slices} slice(s), ${flags.connections} connections, non-streaming`,
      `  req/s ratio by slice: ${rps.map((v) => v.toFixed(3)).join(' ')}`,
      `  req/s ratio: median x${median(rps).toFixed(3)}, geometric mean x${geomean(rps).toFixed(3)}  (goal >= ${comparison.goal})`,
      `  CPU per request ratio: median x${median(cpu).toFixed(3)}, geometric mean x${geomean(cpu).toFixed(3)}`,
      `  usage events dropped, every round of the Wardens with metrics: ${dropped}`,
      '',
    ].join('\n'),
  )
}

main()
  .catch((error) => {
    log(`limits-ab: ${error instanceof Error ? error.message : String(error)}`)
    process.exitCode = 1
  })
  .finally(() => stopAllChildren())
