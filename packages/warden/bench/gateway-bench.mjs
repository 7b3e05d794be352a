// `npm run bench`: the gateway's overhead. The same load goes to the stub upstream directly,
// through a bare keep-alive Node proxy (the floor) and through the gateway under test, at
// 50 connections non-streaming (autocannon) and streaming (closed-loop client, TTFB), then at
// one connection where latency is not queueing. It prints a table and the goals, and writes
// every figure to a JSON file. Run with --help for the flags.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import {
  EXIT_WITH_PARENT,
  installCleanup,
  startListeningChild,
  stopAllChildren,
  stopChild,
} from './children.mjs'
import { summarizeCpuProfile } from './cpu-profile.mjs'
import {
  memoryOf,
  preflight,
  problemsOf,
  prose,
  responsesBody,
  runScenario,
  usePrompt,
  usageQueueOf,
} from './measure.mjs'
import { CLK_TCK } from './process-stats.mjs'
import { evaluateGoals, formatProfile, formatReport, ratiosOf } from './report.mjs'
import { benchLimiter, evaluateLimits, formatLimits, redisAnswers } from './limiter-bench.mjs'
import { startWarden } from './start-warden.mjs'
import { benchStreamFilter, formatStreamFilter } from './stream-filter-bench.mjs'

const benchDir = path.dirname(fileURLToPath(import.meta.url))
const packageDir = path.resolve(benchDir, '..')
const repoRoot = path.resolve(packageDir, '../..')

const USAGE = `Usage: npm run bench -- [flags]

  --gateway-url URL   the gateway under test, its OpenAI base URL (…/v1 is added when
                      missing); default: start Warden from packages/warden/dist
  --gateway-pid PID   the gateway's process, for CPU and RSS when it was not started here
  --api-key KEY       bearer key for the gateway (default: one created with warden key create)
  --stub-port PORT    port for the stub upstream, so an external gateway can be pointed at it
  --model ID          model name to ask for (default: stub-model)
  --duration SECONDS  length of each measured run (default 10)
  --warmup SECONDS    warm-up before each measured run (default 2)
  --connections N     connections for the saturated runs (default 50)
  --rounds N          measure every target N times per scenario, alternating the order so
                      the floor and the gateway run side by side; the goals use the medians
                      of the per-round figures (default 3; 1 with --quick)
  --out FILE          JSON results (default: bench-results/gateway-<date>.json)
  --quick             a smoke run: 2 s runs after 0.5 s warm-up
  --baseline DIR      also start the Warden built in another checkout (DIR: its root) and
                      measure it beside this one, in the same rounds: "baseline" rows and
                      a gateway/baseline ratio, to tell a change from the machine's drift
  --cpu-prof          start Warden under node --cpu-prof and print where its CPU goes
                      (the profiler's overhead inflates the CPU figures of that run)
  --redis-url URL     Redis for the limits' figures (default redis://127.0.0.1:6379 when
                      it answers): the limiter alone, and a Warden on it at one connection
  --no-limits         leave out the limits' figures (Warden itself still runs with limits on)
  --prompt-bytes N    send a prompt of N characters of everyday prose instead of "Say hello"
                      (the content filter's goal is stated for 1 KB prompts: --prompt-bytes 1024)
  --warden-env NAME=VALUE
                      set a WARDEN_* variable on the Warden the bench starts (repeatable),
                      e.g. WARDEN_MODERATION_ENABLED=false to see the gateway without filters
  --limits-only       only the limits' figures: Warden with limits on (memory) and off, side
                      by side over the rounds at 50 connections, and on Redis at one
                      connection; no floor, no streams (try --rounds 8 --duration 5)
`

const { values: flags } = parseArgs({
  options: {
    'gateway-url': { type: 'string' },
    'gateway-pid': { type: 'string' },
    'api-key': { type: 'string' },
    'stub-port': { type: 'string' },
    model: { type: 'string', default: 'stub-model' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string', default: '50' },
    rounds: { type: 'string' },
    out: { type: 'string' },
    quick: { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    baseline: { type: 'string' },
    'redis-url': { type: 'string' },
    'no-limits': { type: 'boolean', default: false },
    'limits-only': { type: 'boolean', default: false },
    'prompt-bytes': { type: 'string' },
    'warden-env': { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
})

if (flags['limits-only'] && (flags['no-limits'] || flags['gateway-url'] || flags.baseline)) {
  process.stderr.write(
    `gateway-bench: --limits-only measures Warden started here, with limits; drop --no-limits, --gateway-url and --baseline\n`,
  )
  process.exit(2)
}

if (flags.help) {
  process.stdout.write(USAGE)
  process.exit(0)
}

function positive(name, text) {
  const value = Number(text)
  if (!(value > 0)) {
    process.stderr.write(`gateway-bench: --${name} must be a positive number\n${USAGE}`)
    process.exit(2)
  }
  return value
}

if (flags['prompt-bytes'])
  usePrompt(prose(Math.round(positive('prompt-bytes', flags['prompt-bytes']))))
const durationS = positive('duration', flags.duration ?? (flags.quick ? '2' : '10'))
const warmupS = positive('warmup', flags.warmup ?? (flags.quick ? '0.5' : '2'))
const connections = Math.round(positive('connections', flags.connections))
const rounds = Math.round(positive('rounds', flags.rounds ?? (flags.quick ? '1' : '3')))
const gatewayPidFlag = flags['gateway-pid']
  ? Math.round(positive('gateway-pid', flags['gateway-pid']))
  : null
const stubPort = flags['stub-port'] ? Math.round(positive('stub-port', flags['stub-port'])) : 0
const startedAt = new Date()
const outFile = path.resolve(
  flags.out ??
    path.join(
      repoRoot,
      'bench-results',
      `gateway-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`,
    ),
)

const log = (line) => process.stderr.write(`${line}\n`)
/** Warden's database and profile; removed at exit, however the bench ends. */
const tempDir = mkdtempSync(path.join(os.tmpdir(), 'warden-bench-'))
installCleanup(log, () => rmSync(tempDir, { recursive: true, force: true }))
const profileDir = path.join(tempDir, 'cpu-prof')

function openAiBase(url) {
  const trimmed = url.replace(/\/+$/, '')
  return trimmed.endsWith('/v1') ? trimmed : `${trimmed}/v1`
}

/** The profile Warden wrote at exit, copied beside the JSON results (open it in DevTools). */
async function takeProfile(dir) {
  const files = (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.cpuprofile'))
  if (files.length === 0) return null
  // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the event loop; the others
  // are classifier workers, whose time the summary would otherwise take for Warden's.
  const main = files.filter((f) => f.split('.')[4] === '0').sort()
  const text = await readFile(
    path.join(dir, (main.length > 0 ? main : files.sort()).at(-1)),
    'utf8',
  )
  const file = outFile.replace(/\.json$/, '') + '.cpuprofile'
  await mkdir(path.dirname(file), { recursive: true })
  await writeFile(file, text)
  return { file, profile: JSON.parse(text) }
}

/** The Redis the limits' figures use, or null when none answers. */
async function redisUrlToUse() {
  const url = flags['redis-url'] ?? 'redis://127.0.0.1:6379'
  if (await redisAnswers(url)) return url
  log(`  no Redis answers at ${url}: the limits' Redis figures are left out`)
  return null
}

/** `--warden-env NAME=VALUE` flags as an environment; only WARDEN_* names are taken. */
function wardenEnv(pairs) {
  const env = {}
  for (const pair of pairs) {
    const at = pair.indexOf('=')
    const name = at > 0 ? pair.slice(0, at) : ''
    if (!name.startsWith('WARDEN_'))
      throw new Error(`--warden-env takes WARDEN_NAME=VALUE, not "${pair}"`)
    env[name] = pair.slice(at + 1)
  }
  return env
}

/** Warden with limits off, and (when Redis answers) Warden counting in Redis. */
async function startLimitTargets(upstreamUrl) {
  const started = []
  const start = async (name, env) => {
    const dir = path.join(tempDir, name)
    await mkdir(dir)
    const warden = await startWarden({ upstreamUrl, tempDir: dir, env })
    log(`  ${name.padEnd(14)} ${warden.url} (pid ${warden.pid})`)
    started.push({
      name,
      url: warden.url,
      pid: warden.pid,
      headers: { authorization: `Bearer ${warden.apiKey}` },
    })
  }
  await start('limits-off', { WARDEN_LIMITS_ENABLED: 'false' })
  // A second Warden with limits on, started after the one with them off. On this machine the
  // process started first runs measurably slower (8% in side-by-side runs, whatever it does):
  // with one limits-on Warden before and one after, the comparison pays that penalty on both
  // sides, and the figure is the geometric mean of the two ratios.
  if (flags['limits-only']) await start('limits-on', {})
  const redisUrl = await redisUrlToUse()
  // Its keys are named after ids the fresh database made: no clash with other users of Redis.
  if (redisUrl) await start('redis', { WARDEN_REDIS_URL: redisUrl })
  return started
}

/** `--limits-only`: limits on against off, side by side, and the limiter alone. */
async function limitsOnly(meta, targets, plan) {
  const runs = {
    nonStream: await runScenario(
      'non-streaming',
      { connections, stream: false, tool: 'autocannon' },
      targets,
      plan,
    ),
    oneConnection: await runScenario(
      'one connection',
      { connections: 1, stream: false, tool: 'closed-loop' },
      targets,
      plan,
    ),
  }
  const micro = await benchLimiter({ packageDir, redisUrl: await redisUrlToUse(), log })
  const limits = evaluateLimits({ ...runs, micro })
  const results = { meta, runs, limits, goals: limits.goals, problems: problemsOf(runs) }
  await mkdir(path.dirname(outFile), { recursive: true })
  await writeFile(outFile, `${JSON.stringify(results, null, 2)}\n`)
  const lines = limits.goals.map(
    (g) =>
      `  ${g.pass === null ? 'n/a ' : g.pass ? 'PASS' : 'FAIL'}  ${g.name.padEnd(48)} ${g.value === null ? '-' : g.value.toFixed(3)} ${g.unit}  (goal ${g.comparison} ${g.limit} ${g.unit})`,
  )
  process.stdout.write(`\n${formatLimits(limits)}\n\nGoals (limits)\n${lines.join('\n')}\n`)
  process.stdout.write(`\nFigures written to ${path.relative(process.cwd(), outFile) || outFile}\n`)
  return results.problems.length === 0 ? 0 : 1
}

async function main() {
  const nodeScript = (file) => [...EXIT_WITH_PARENT, path.join(benchDir, file)]
  try {
    log(
      `gateway-bench: ${durationS} s runs, ${warmupS} s warm-up, ${connections} connections, ${rounds} round(s)`,
    )
    const stub = await startListeningChild('stub', process.execPath, [
      ...nodeScript('stub-server.mjs'),
      String(stubPort),
    ])
    log(`  stub upstream: ${stub.url} (pid ${stub.pid})`)
    const floor = await startListeningChild('floor', process.execPath, [
      ...nodeScript('floor-proxy.mjs'),
      stub.url,
    ])
    log(`  floor proxy:   ${floor.url} (pid ${floor.pid})`)

    let gateway
    if (flags['gateway-url']) {
      if (flags['cpu-prof']) log('  --cpu-prof applies only to a Warden the bench starts; ignored')
      gateway = {
        url: openAiBase(flags['gateway-url']),
        pid: gatewayPidFlag,
        apiKey: flags['api-key'] ?? null,
        label: `external${gatewayPidFlag ? `, pid ${gatewayPidFlag}` : ', no --gateway-pid: CPU and RSS not measured'}`,
      }
    } else {
      const warden = await startWarden({
        upstreamUrl: stub.url,
        tempDir,
        cpuProfileDir: flags['cpu-prof'] ? profileDir : null,
        env: wardenEnv(flags['warden-env'] ?? []),
      })
      gateway = {
        ...warden,
        apiKey: flags['api-key'] ?? warden.apiKey,
        label: `Warden started by the bench, pid ${warden.pid}${flags['cpu-prof'] ? ', under --cpu-prof' : ''}${(flags['warden-env'] ?? []).map((p) => `, ${p}`).join('')}`,
      }
    }
    log(`  gateway:       ${gateway.url} (${gateway.label})`)

    const headers = gateway.apiKey ? { authorization: `Bearer ${gateway.apiKey}` } : {}
    const targets = flags['limits-only']
      ? []
      : [
          { name: 'direct', url: stub.url, pid: stub.pid, headers },
          { name: 'floor', url: floor.url, pid: floor.pid, headers },
        ]
    let baseline = null
    if (flags.baseline) {
      const baseDir = path.join(tempDir, 'baseline')
      await mkdir(baseDir)
      baseline = await startWarden({
        upstreamUrl: stub.url,
        tempDir: baseDir,
        packageDir: path.resolve(flags.baseline, 'packages/warden'),
        // A build from before limits has no `warden limits`; one with them gets the same room.
        roomyLimits: existsSync(
          path.resolve(flags.baseline, 'packages/warden/dist/cli/commands/limits.js'),
        ),
      })
      log(`  baseline:      ${baseline.url} (${flags.baseline}, pid ${baseline.pid})`)
      targets.push({
        name: 'baseline',
        url: baseline.url,
        pid: baseline.pid,
        headers: { authorization: `Bearer ${baseline.apiKey}` },
      })
    }
    targets.push({ name: 'gateway', url: gateway.url, pid: gateway.pid, headers })
    // The limits' comparisons: the same build with limits off, and on Redis. They run in the
    // non-streaming and one-connection scenarios only.
    const limitTargets =
      flags['no-limits'] || flags['gateway-url'] ? [] : await startLimitTargets(stub.url)
    for (const target of [...targets, ...limitTargets]) {
      await preflight(target, { model: flags.model, stream: false })
      await preflight(target, { model: flags.model, stream: true })
    }

    const meta = {
      date: startedAt.toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      loadavgStart: os.loadavg(),
      clkTck: CLK_TCK,
      durationS,
      warmupS,
      rounds,
      connections,
      model: flags.model,
      stubUrl: stub.url,
      floorUrl: floor.url,
      baseline: baseline && {
        dir: path.resolve(flags.baseline),
        url: baseline.url,
        pid: baseline.pid,
      },
      gateway: {
        url: gateway.url,
        pid: gateway.pid,
        label: gateway.label,
        startedByBench: !flags['gateway-url'],
      },
      argv: process.argv.slice(2),
    }
    const runs = {}
    const plan = {
      model: flags.model,
      durationS,
      warmupS,
      rounds,
      stubPid: stub.pid,
      log,
      peaks: new Map(),
    }
    if (flags['limits-only']) return await limitsOnly(meta, [...targets, ...limitTargets], plan)
    runs.nonStream = await runScenario(
      'non-streaming',
      { connections, stream: false, tool: 'autocannon' },
      [...targets, ...limitTargets],
      plan,
    )
    runs.stream = await runScenario(
      'streaming',
      { connections, stream: true, tool: 'closed-loop' },
      targets,
      plan,
    )
    // The Responses API: the gateway translates it to chat completions; the stub answers the
    // floor and direct runs natively, so the ratios include the translation's own cost.
    // A baseline built before the Responses API answers it 404: it sits that run out.
    const answersResponses = async (target) =>
      target.name !== 'baseline' ||
      (
        await fetch(`${target.url}/responses`, {
          method: 'POST',
          headers: { ...target.headers, 'content-type': 'application/json' },
          body: JSON.stringify(responsesBody(flags.model, false)),
        })
      ).ok
    const responsesTargets = []
    for (const target of targets) if (await answersResponses(target)) responsesTargets.push(target)
    runs.responsesStream = await runScenario(
      'responses, streaming',
      { connections, stream: true, tool: 'closed-loop', api: 'responses' },
      responsesTargets,
      plan,
    )
    runs.oneConnection = await runScenario(
      'one connection',
      { connections: 1, stream: false, tool: 'closed-loop' },
      [...targets, ...limitTargets],
      plan,
    )
    runs.oneConnection.added = {}
    for (const name of runs.oneConnection.targets.filter((t) => t !== 'direct')) {
      const d = runs.oneConnection.direct.latency
      const t = runs.oneConnection[name].latency
      const minus = (a, b) => (a === null || b === null ? null : a - b)
      runs.oneConnection.added[name] = {
        p50: minus(t.p50, d.p50),
        p99: minus(t.p99, d.p99),
        mean: minus(t.mean, d.mean),
      }
    }
    meta.loadavgEnd = os.loadavg()

    const memory = {
      gateway: memoryOf(plan, gateway.pid),
      floor: memoryOf(plan, floor.pid),
      ...(baseline ? { baseline: memoryOf(plan, baseline.pid) } : {}),
      stub: memoryOf(plan, stub.pid),
    }
    const results = {
      meta,
      runs,
      ratios: Object.fromEntries(Object.entries(runs).map(([name, run]) => [name, ratiosOf(run)])),
      memory,
      goals: evaluateGoals({
        nonStream: runs.nonStream,
        stream: runs.stream,
        oneConnection: runs.oneConnection,
        memory,
      }),
      problems: problemsOf(runs),
    }
    if (limitTargets.length > 0) {
      const micro = await benchLimiter({ packageDir, redisUrl: await redisUrlToUse(), log })
      results.limits = evaluateLimits({
        nonStream: runs.nonStream,
        oneConnection: runs.oneConnection,
        micro,
      })
      results.goals.push(...results.limits.goals)
    }

    // Every request of the load, the failed ones included, is a usage event: none may be lost.
    if (gateway.child && gateway.metricsUrl) {
      const queue = await usageQueueOf(gateway.metricsUrl)
      results.usageQueue = queue
      results.goals.push({
        name: 'usage events dropped under the load',
        value: queue?.dropped ?? null,
        limit: 0,
        comparison: '<=',
        unit: 'events',
        floor: null,
        pass: queue?.dropped == null ? null : queue.dropped === 0,
      })
      log(
        queue === null
          ? '  usage queue: /metrics could not be read'
          : `  usage queue: ${queue.written} events written, ${queue.dropped} dropped, ${queue.queued} still queued`,
      )
    }

    // The output filter's time to first token, on Wardens of its own once the load is over.
    if (gateway.child) {
      results.streamFilter = await benchStreamFilter({ requests: flags.quick ? 30 : 100, log })
      for (const [pacing, r] of Object.entries(results.streamFilter)) {
        results.goals.push({
          name: `output filter: added time to first token beyond the window, ${pacing}`,
          value: r.addedBeyondWindowMs,
          limit: 5,
          comparison: '<=',
          unit: 'ms',
          floor: null,
          pass: r.addedBeyondWindowMs <= 5,
        })
      }
    }

    if (gateway.child && flags['cpu-prof']) {
      await stopChild(gateway.child, 10_000)
      const taken = await takeProfile(profileDir)
      results.cpuProfile = taken && {
        file: taken.file,
        whole: summarizeCpuProfile(taken.profile, { root: repoRoot }),
        runs: Object.fromEntries(
          Object.entries(runs).map(([name, run]) => [
            name,
            summarizeCpuProfile(taken.profile, { root: repoRoot, window: run.gateway.window }),
          ]),
        ),
      }
    }

    await mkdir(path.dirname(outFile), { recursive: true })
    await writeFile(outFile, `${JSON.stringify(results, null, 2)}\n`)
    process.stdout.write(`\n${formatReport(results)}\n`)
    if (results.limits) process.stdout.write(`\n${formatLimits(results.limits)}\n`)
    if (results.streamFilter) {
      process.stdout.write(`\n${formatStreamFilter(results.streamFilter)}\n`)
    }
    if (results.cpuProfile) process.stdout.write(`\n${formatProfile(results.cpuProfile, runs)}\n`)
    else if (flags['cpu-prof']) process.stdout.write('\n--cpu-prof: no profile was written\n')
    process.stdout.write(
      `\nFigures written to ${path.relative(process.cwd(), outFile) || outFile}\n`,
    )
    return results.problems.length === 0 ? 0 : 1
  } finally {
    await stopAllChildren()
  }
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (error) => {
    log(`gateway-bench: ${error instanceof Error ? error.message : String(error)}`)
    stopAllChildren().finally(() => process.exit(1))
  },
)
