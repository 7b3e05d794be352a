// One measured run: warm a target up, then load it (autocannon or the closed-loop client) while
// reading the CPU counters of the server in the seat, the stub, the bench and the machine.
import os from 'node:os'
import autocannon from 'autocannon'
import { createLoad } from './load.mjs'
import { readCpuMs, readMachineBusyMs, readMemoryMb, resetPeakRss } from './process-stats.mjs'

// Ordinary prose of a support conversation, varied so that no repetition rule fires.
const SENTENCES = [
  'The parcel arrived two days late and the box was damaged in one corner.',
  'Could you check whether the refund for order 4471 has been issued yet?',
  'Our team would like a summary of the feedback we received last quarter.',
  'Please list the three most common complaints and suggest one fix for each.',
  'The support agent answered quickly, but the tracking page never updated.',
  'I moved last month, so the invoice should go to my new office address.',
  'Translate the following paragraph into Spanish, keeping the formal tone.',
  'Which of these delivery options is cheapest for a package of four kilos?',
]

/** A prompt of `chars` characters of everyday prose. */
export function prose(chars) {
  let text = ''
  for (let i = 0; text.length < chars; i++) text += `${SENTENCES[i % SENTENCES.length]} `
  return text.slice(0, chars)
}

let prompt = 'Say hello'

/** Sets the prompt every run sends (`--prompt-bytes`): a short one by default. */
export function usePrompt(text) {
  prompt = text
}

/** The Responses API request of the `responses` runs. */
export function responsesBody(model, stream) {
  return { model, input: prompt, ...(stream ? { stream: true } : {}) }
}

/** The request every chat run sends. */
export function chatBody(model, stream) {
  return {
    model,
    messages: [{ role: 'user', content: prompt }],
    ...(stream ? { stream: true } : {}),
  }
}

/** Checks a target answers the body as expected before it is measured; throws if not. */
export async function preflight(target, { model, stream }) {
  const { name, headers } = target
  const url = `${target.url}/chat/completions`
  const load = createLoad({ url, headers, body: chatBody(model, stream), connections: 1, stream })
  try {
    const { status, body } = await load.probe()
    const fail = (why) =>
      new Error(`${name} (${url}): ${why}; status ${status}, body: ${body.slice(0, 500)}`)
    if (status < 200 || status >= 300) throw fail('not 2xx')
    if (stream && !body.includes('data: [DONE]')) throw fail('the stream did not end with [DONE]')
    if (!stream) {
      let parsed
      try {
        parsed = JSON.parse(body)
      } catch {
        throw fail('not JSON')
      }
      if (!Array.isArray(parsed.choices)) throw fail('no choices')
    }
  } finally {
    load.close()
  }
}

/** Keeps the highest VmHWM seen per pid in `plan.peaks`, as runs reset it; returns the reading. */
function notePeak(plan, pid) {
  const memory = readMemoryMb(pid)
  if (memory?.peakRssMb != null)
    plan.peaks.set(pid, Math.max(plan.peaks.get(pid) ?? 0, memory.peakRssMb))
  return memory
}

/** Current RSS and the peak over every run so far (the whole bench), in MB; null when gone. */
export function memoryOf(plan, pid) {
  const memory = notePeak(plan, pid)
  return memory && { rssMb: memory.rssMb, peakRssMb: plan.peaks.get(pid) ?? memory.peakRssMb }
}

/** Snapshots CPU counters of the bench's processes and the whole machine. */
function snapshot(target, stubPid) {
  return {
    server: readCpuMs(target.pid),
    stub: readCpuMs(stubPid),
    bench: readCpuMs(process.pid),
    machine: readMachineBusyMs(),
    at: process.hrtime.bigint(),
  }
}

function delta(after, before) {
  return after === null || before === null ? null : after - before
}

/** Measures one target: warm up, then one run, with the servers' CPU and memory around it. */
async function measure(target, { stream, connections: conns, tool, api = 'chat' }, plan) {
  const { durationS, warmupS, stubPid, log } = plan
  const url = `${target.url}/${api === 'responses' ? 'responses' : 'chat/completions'}`
  const headers = target.headers
  const body = (api === 'responses' ? responsesBody : chatBody)(plan.model, stream)
  notePeak(plan, target.pid)
  const peakIsPerRun = resetPeakRss(target.pid)
  let run
  let before
  if (tool === 'autocannon') {
    const options = {
      url,
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      connections: conns,
      pipelining: 1,
      timeout: 10,
    }
    await autocannon({ ...options, duration: warmupS })
    before = snapshot(target, stubPid)
    const clientBefore = process.cpuUsage()
    const r = await autocannon({ ...options, duration: durationS })
    const clientCpu = process.cpuUsage(clientBefore)
    run = {
      tool: 'autocannon',
      requests: r['2xx'],
      elapsedMs: r.duration * 1000,
      requestsPerSecond: r['2xx'] / r.duration,
      errors: r.errors,
      timeouts: r.timeouts,
      non2xx: r.non2xx,
      incomplete: 0,
      statuses: Object.fromEntries(
        Object.entries(r.statusCodeStats ?? {}).map(([k, v]) => [k, v.count]),
      ),
      latency: {
        p50: r.latency.p50,
        p90: r.latency.p90,
        p99: r.latency.p99,
        max: r.latency.max,
        mean: r.latency.average,
      },
      clientCpuMs: (clientCpu.user + clientCpu.system) / 1000,
    }
  } else {
    const load = createLoad({ url, headers, body, connections: conns, stream })
    try {
      await load.run(warmupS * 1000)
      before = snapshot(target, stubPid)
      run = { tool: 'closed-loop', ...(await load.run(durationS * 1000)) }
    } finally {
      load.close()
    }
  }
  const after = snapshot(target, stubPid)
  const wallMs = Number(after.at - before.at) / 1e6
  const serverCpuMs = delta(after.server, before.server)
  const stubCpuMs = target.pid === stubPid ? serverCpuMs : delta(after.stub, before.stub)
  const benchCpuMs = delta(after.bench, before.bench)
  const machineBusyMs = delta(after.machine, before.machine)
  const ours = [serverCpuMs, target.pid === stubPid ? 0 : stubCpuMs, benchCpuMs]
  const otherCpuMs =
    machineBusyMs === null || ours.includes(null)
      ? null
      : Math.max(0, machineBusyMs - ours.reduce((sum, x) => sum + x, 0))
  const perRequest = (cpu) => (cpu === null || run.requests === 0 ? null : cpu / run.requests)
  const { clientCpuMs, ...figures } = run
  const result = {
    target: target.name,
    ...figures,
    server: {
      pid: target.pid,
      cpuMs: serverCpuMs,
      cpuMsPerRequest: perRequest(serverCpuMs),
      ...(notePeak(plan, target.pid) ?? { rssMb: null, peakRssMb: null }),
      peakIsPerRun,
    },
    stub: { cpuMs: stubCpuMs, cpuMsPerRequest: perRequest(stubCpuMs) },
    client: { cpuMs: clientCpuMs, cpuShare: clientCpuMs / wallMs },
    machine: {
      wallMs,
      busyMs: machineBusyMs,
      otherCpuMs,
      otherCores: otherCpuMs === null ? null : otherCpuMs / wallMs,
    },
    loadavg: os.loadavg(),
    /** The measured span on the monotonic clock, to cut a --cpu-prof profile to this run. */
    window: { startUs: Number(before.at / 1000n), endUs: Number(after.at / 1000n) },
  }
  const failed = result.errors + result.non2xx + result.incomplete
  log(
    `  ${target.name.padEnd(8)} ${result.requestsPerSecond.toFixed(0).padStart(7)} req/s  ` +
      `p50 ${result.latency.p50?.toFixed(2)} ms  p99 ${result.latency.p99?.toFixed(2)} ms` +
      (result.ttfb ? `  ttfb p50 ${result.ttfb.p50?.toFixed(2)} ms` : '') +
      `  cpu/req ${result.server.cpuMsPerRequest?.toFixed(3) ?? 'n/a'} ms` +
      (failed ? `  FAILURES ${failed} (${JSON.stringify(result.statuses)})` : ''),
  )
  return result
}

/** The middle of the sorted values (the mean of the middle two for an even count); null when empty. */
export function median(values) {
  const sorted = values.filter((v) => v !== null && v !== undefined).sort((a, b) => a - b)
  if (sorted.length === 0) return null
  // An even count's median is the mean of the middle two: with two rounds, the lower of the
  // pair would make every ratio look as bad as its worse round.
  const middle = Math.floor((sorted.length - 1) / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle] + sorted[middle + 1]) / 2
}

/**
 * Measures every target under one load, `plan.rounds` times. Rounds alternate the order
 * (direct, floor, gateway, then gateway, floor, direct) so the floor and the gateway always run
 * next to each other: on a machine whose speed drifts by tens of percent over minutes, the ratio
 * of two adjacent runs is steadier than either figure. Each target's row is its median round by
 * requests/s; `paired` holds the medians of the per-round gateway/floor figures.
 * `plan` holds what all runs share: model, durationS, warmupS, rounds, stubPid, log, and `peaks`
 * (a Map that collects peak RSS per pid).
 */
export async function runScenario(name, options, targets, plan) {
  const { log } = plan
  const rounds = plan.rounds ?? 1
  log(
    `${name}: ${options.connections} connection(s), ${options.stream ? 'streaming' : 'non-streaming'}, ${options.tool}${options.api === 'responses' ? ', Responses API' : ''}${rounds > 1 ? `, ${rounds} rounds` : ''}`,
  )
  const out = {
    connections: options.connections,
    stream: options.stream,
    tool: options.tool,
    api: options.api ?? 'chat',
    targets: targets.map((t) => t.name),
  }
  const byTarget = new Map(targets.map((t) => [t.name, []]))
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? targets : [...targets].reverse()
    for (const target of order) byTarget.get(target.name).push(await measure(target, options, plan))
  }
  for (const target of targets) {
    const list = byTarget.get(target.name)
    // The row shown is the round nearest the median (of two, the slower one).
    const rps = median(list.map((r) => r.requestsPerSecond))
    out[target.name] = list.reduce((best, r) =>
      Math.abs(r.requestsPerSecond - rps) < Math.abs(best.requestsPerSecond - rps) ? r : best,
    )
  }
  if (rounds > 1) {
    const pick = (r) => ({
      requestsPerSecond: r.requestsPerSecond,
      cpuMsPerRequest: r.server.cpuMsPerRequest,
      p50: r.latency.p50,
      p99: r.latency.p99,
    })
    out.rounds = Array.from({ length: rounds }, (_, i) =>
      Object.fromEntries(targets.map((t) => [t.name, pick(byTarget.get(t.name)[i])])),
    )
    const ratio = (x, y) => (x === null || y === null || y === 0 ? null : x / y)
    const pairs = [
      ['gateway', 'floor'],
      ['gateway', 'baseline'],
      ['gateway', 'limits-off'],
      ['limits-on', 'limits-off'],
    ]
    for (const [subject, base] of pairs) {
      if (!byTarget.has(base) || !byTarget.has(subject)) continue
      const perRound = out.rounds.map((r) => ({
        rps: ratio(r[subject].requestsPerSecond, r[base].requestsPerSecond),
        cpu: ratio(r[subject].cpuMsPerRequest, r[base].cpuMsPerRequest),
      }))
      const paired = {
        requestsPerSecond: median(perRound.map((r) => r.rps)),
        requestsPerSecondRounds: perRound.map((r) => r.rps),
        cpuPerRequest: median(perRound.map((r) => r.cpu)),
        gatewayCpuMsPerRequest: median(out.rounds.map((r) => r[subject].cpuMsPerRequest)),
        baseCpuMsPerRequest: median(out.rounds.map((r) => r[base].cpuMsPerRequest)),
      }
      const key = subject === 'gateway' ? base : `${subject}/${base}`
      out.paired = { ...out.paired, [key]: paired }
      log(
        `  ${subject}/${base} req/s by round: ${perRound.map((r) => r.rps?.toFixed(2)).join(' ')} ` +
          `-> median x${paired.requestsPerSecond?.toFixed(2)}; CPU/req median x${paired.cpuPerRequest?.toFixed(2)}`,
      )
    }
  }
  return out
}

/** Every run with socket errors, non-2xx answers or cut streams, in one line each. */
export function problemsOf(runs) {
  const problems = []
  for (const [name, run] of Object.entries(runs)) {
    for (const target of run.targets) {
      const r = run[target]
      const failed = r.errors + r.non2xx + r.incomplete
      if (failed === 0) continue
      problems.push(
        `${name}/${target}: ${r.errors} socket errors/timeouts, ${r.non2xx} non-2xx, ` +
          `${r.incomplete} incomplete streams; statuses ${JSON.stringify(r.statuses)}` +
          (r.errorMessages && Object.keys(r.errorMessages).length
            ? `; errors ${JSON.stringify(r.errorMessages)}`
            : '') +
          (r.non2xxSample ? `; first non-2xx body: ${r.non2xxSample}` : ''),
      )
    }
  }
  return problems
}

/**
 * A Warden's usage write queue as its `/metrics` reports it: events written, dropped (the queue
 * was full) and still queued. Waits up to `settleMs` for the queue to empty, so that `written`
 * counts every event the load produced. Null when the metrics cannot be read.
 */
export async function usageQueueOf(metricsUrl, { settleMs = 5_000 } = {}) {
  const read = async () => {
    const text = await (await fetch(metricsUrl)).text()
    const value = (name) => {
      const line = text
        .split('\n')
        .find((l) => l.startsWith(`${name}{`) && l.includes('queue="usage"'))
      return line === undefined ? null : Number(line.slice(line.lastIndexOf(' ') + 1))
    }
    return {
      written: value('warden_queue_written_total'),
      dropped: value('warden_queue_dropped_total'),
      queued: value('warden_queue_items'),
    }
  }
  try {
    const until = Date.now() + settleMs
    let figures = await read()
    while ((figures.queued ?? 0) > 0 && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      figures = await read()
    }
    return figures
  } catch {
    return null
  }
}
