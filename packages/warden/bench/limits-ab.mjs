// Limits on against limits off, as a controlled experiment. On this machine a Warden process
// runs at a speed of its own for its whole life (one started first ran ~8% slower than its
// twin, whatever it did), which no number of rounds against the same two processes averages
// out. So every round starts both afresh, and the rounds cycle through the four orders of
// start and of measurement; the figure is the median of the per-round ratios, with their
// geometric mean beside it. Both have the default content filter and log line.
// Run after `npm run build`:
//   node packages/warden/bench/limits-ab.mjs [--rounds 8] [--duration 5] [--warmup 2]
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
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
import { median, preflight, runScenario } from './measure.mjs'
import { startWarden } from './start-warden.mjs'

const { values: flags } = parseArgs({
  options: {
    rounds: { type: 'string', default: '8' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
  },
})
const rounds = Number(flags.rounds)
const log = (line) => process.stderr.write(`${line}\n`)
const benchDir = path.dirname(fileURLToPath(import.meta.url))
const tempDir = mkdtempSync(path.join(os.tmpdir(), 'warden-limits-ab-'))
installCleanup(log, () => rmSync(tempDir, { recursive: true, force: true }))

const VARIANTS = {
  'limits-on': {},
  'limits-off': { WARDEN_LIMITS_ENABLED: 'false' },
}

async function startVariant(name, stubUrl, round) {
  const dir = path.join(tempDir, `${name}-${round}`)
  mkdirSync(dir)
  const warden = await startWarden({ upstreamUrl: stubUrl, tempDir: dir, env: VARIANTS[name] })
  const target = {
    name,
    url: warden.url,
    pid: warden.pid,
    headers: { authorization: `Bearer ${warden.apiKey}` },
    child: warden.child,
  }
  await preflight(target, { model: 'stub-model', stream: false })
  return target
}

const geomean = (values) => Math.exp(values.reduce((a, v) => a + Math.log(v), 0) / values.length)

async function main() {
  const stub = await startListeningChild('stub', process.execPath, [
    ...EXIT_WITH_PARENT,
    path.join(benchDir, 'stub-server.mjs'),
    '0',
  ])
  const plan = {
    model: 'stub-model',
    durationS: Number(flags.duration),
    warmupS: Number(flags.warmup),
    rounds: 1,
    stubPid: stub.pid,
    log,
    peaks: new Map(),
  }
  const perRound = []
  for (let round = 0; round < rounds; round += 1) {
    const names = ['limits-on', 'limits-off']
    const startOrder = round % 2 === 0 ? names : [...names].reverse()
    const measureOrder = Math.floor(round / 2) % 2 === 0 ? names : [...names].reverse()
    const started = {}
    for (const name of startOrder) started[name] = await startVariant(name, stub.url, round)
    const run = await runScenario(
      `round ${round + 1}/${rounds}: started ${startOrder.join(', ')}; measured ${measureOrder.join(', ')}`,
      { connections: Number(flags.connections), stream: false, tool: 'autocannon' },
      measureOrder.map((name) => started[name]),
      plan,
    )
    for (const target of Object.values(started)) await stopChild(target.child)
    const on = run['limits-on']
    const off = run['limits-off']
    const figures = {
      rps: on.requestsPerSecond / off.requestsPerSecond,
      cpu: on.server.cpuMsPerRequest / off.server.cpuMsPerRequest,
      onRps: on.requestsPerSecond,
      offRps: off.requestsPerSecond,
    }
    perRound.push(figures)
    log(
      `  on/off req/s x${figures.rps.toFixed(3)} (${figures.onRps.toFixed(0)} / ${figures.offRps.toFixed(0)}), CPU/req x${figures.cpu.toFixed(3)}`,
    )
  }
  const rps = perRound.map((r) => r.rps)
  const cpu = perRound.map((r) => r.cpu)
  process.stdout.write(
    [
      `Limits on (memory) / off, ${rounds} rounds of fresh processes, ${flags.connections} connections, non-streaming`,
      `  req/s ratio by round: ${rps.map((v) => v.toFixed(3)).join(' ')}`,
      `  req/s ratio: median x${median(rps).toFixed(3)}, geometric mean x${geomean(rps).toFixed(3)}  (goal >= 0.9)`,
      `  CPU per request ratio: median x${median(cpu).toFixed(3)}, geometric mean x${geomean(cpu).toFixed(3)}`,
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
