// Turns the bench's figures into ratios, goal verdicts and the printed tables.
import path from 'node:path'

/** The issue's goals for the gateway; `value` is null when it could not be measured. */
export function evaluateGoals({ nonStream, stream, oneConnection, memory }) {
  const gw = (run) => run?.gateway
  // With several rounds, the medians of the per-round figures (see runScenario).
  const ratio = (run) =>
    run?.paired?.floor?.requestsPerSecond ??
    (gw(run) && run.floor ? gw(run).requestsPerSecond / run.floor.requestsPerSecond : null)
  const cpu = (run) =>
    run?.paired?.gatewayCpuMsPerRequest ?? gw(run)?.server.cpuMsPerRequest ?? null
  const floorCpu = (run) =>
    run?.paired?.floorCpuMsPerRequest ?? run?.floor?.server.cpuMsPerRequest ?? null
  const goal = (name, value, limit, comparison, unit, floor = null) => ({
    name,
    value,
    limit,
    comparison,
    unit,
    /** The floor's own figure, where the goal is absolute: what this machine allows at best. */
    floor,
    pass:
      value === null || value === undefined
        ? null
        : comparison === '<='
          ? value <= limit
          : value >= limit,
  })
  return [
    goal(
      'CPU per request, 50 connections, non-streaming',
      cpu(nonStream),
      0.2,
      '<=',
      'ms',
      floorCpu(nonStream),
    ),
    goal('req/s vs floor, 50 connections, non-streaming', ratio(nonStream), 0.5, '>=', 'x'),
    goal(
      'CPU per request, 50 connections, streaming',
      cpu(stream),
      0.2,
      '<=',
      'ms',
      floorCpu(stream),
    ),
    goal('req/s vs floor, 50 connections, streaming', ratio(stream), 0.5, '>=', 'x'),
    goal('peak RSS over the whole bench', memory.gateway?.peakRssMb ?? null, 150, '<=', 'MB'),
    goal(
      'p50 added over direct, 1 connection',
      oneConnection?.added?.gateway?.p50 ?? null,
      0.3,
      '<=',
      'ms',
    ),
    goal(
      'p99 added over direct, 1 connection',
      oneConnection?.added?.gateway?.p99 ?? null,
      2,
      '<=',
      'ms',
    ),
  ]
}

/** Gateway/floor and gateway/direct for throughput, latency and server CPU. */
export function ratiosOf(run) {
  const out = {}
  const g = run.gateway
  for (const base of ['floor', 'baseline', 'direct']) {
    const b = run[base]
    if (!g || !b) continue
    const div = (x, y) => (x === null || y === null || y === 0 ? null : x / y)
    out[`gatewayOver${base[0].toUpperCase()}${base.slice(1)}`] = {
      requestsPerSecond: div(g.requestsPerSecond, b.requestsPerSecond),
      latencyP50: div(g.latency.p50, b.latency.p50),
      latencyP99: div(g.latency.p99, b.latency.p99),
      ...(g.ttfb ? { ttfbP50: div(g.ttfb.p50, b.ttfb.p50) } : {}),
      serverCpuPerRequest: div(g.server.cpuMsPerRequest, b.server.cpuMsPerRequest),
    }
  }
  return out
}

const fixed = (value, digits) =>
  value === null || value === undefined || Number.isNaN(value) ? 'n/a' : value.toFixed(digits)
const ms = (value) => fixed(value, 2)
const times = (value) => (value === null || value === undefined ? 'n/a' : `x${value.toFixed(2)}`)

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)))
  const line = (cells) =>
    cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i])))
  return [line(header), ...rows.map(line)].map((cells) => `  ${cells.join('  ')}`).join('\n')
}

function failures(row) {
  const count = row.errors + row.non2xx + (row.incomplete ?? 0)
  return count === 0 ? '0' : `${count} !`
}

function memory(row) {
  return `${fixed(row.server.rssMb, 0)}/${fixed(row.server.peakRssMb, 0)}`
}

function others(row) {
  return fixed(row.machine.otherCores, 2)
}

function ratioLine(run) {
  const r = ratiosOf(run)
  const parts = []
  if (r.gatewayOverFloor)
    parts.push(
      `gateway/floor: req/s ${times(r.gatewayOverFloor.requestsPerSecond)}, ` +
        `CPU/req ${times(r.gatewayOverFloor.serverCpuPerRequest)}`,
    )
  if (r.gatewayOverDirect)
    parts.push(`gateway/direct: req/s ${times(r.gatewayOverDirect.requestsPerSecond)}`)
  const lines = parts.length ? [`  ${parts.join('   ')}`] : []
  for (const [base, p] of Object.entries(run.paired ?? {}))
    lines.push(
      `  paired over ${run.rounds.length} rounds${base === 'floor' ? ' (the goals use these)' : ''}: ` +
        `gateway/${base} req/s median ${times(p.requestsPerSecond)} ` +
        `(rounds ${p.requestsPerSecondRounds.map(times).join(' ')}), CPU/req median ` +
        `${times(p.cpuPerRequest)}; CPU ms/req medians: gateway ${fixed(p.gatewayCpuMsPerRequest, 3)}, ` +
        `${base} ${fixed(p.baseCpuMsPerRequest, 3)}`,
    )
  return lines.join('\n')
}

/** The readable report. */
export function formatReport(results) {
  const { meta, runs, goals } = results
  const out = []
  out.push(
    `Gateway bench  ${meta.date}  node ${meta.node}, ${meta.cpus} x ${meta.cpuModel}`,
    `  gateway: ${meta.gateway.url} (${meta.gateway.label})`,
    `  floor:   ${meta.floorUrl}   direct (stub): ${meta.stubUrl}`,
    `  ${meta.durationS} s per run after ${meta.warmupS} s warm-up; load average at start ` +
      `${meta.loadavgStart.map((x) => x.toFixed(2)).join(' ')}, at end ` +
      `${(meta.loadavgEnd ?? []).map((x) => x.toFixed(2)).join(' ')}`,
    `  CPU ms/req: the server in the seat (the stub for "direct"), from /proc utime+stime ` +
      `(${meta.clkTck} Hz). RSS MB: after the run/peak during it (VmHWM). others: cores busy ` +
      `outside the bench's processes (noise).`,
    '',
  )
  const ns = runs.nonStream
  if (ns) {
    out.push(
      `${ns.connections} connections, non-streaming (autocannon; its latencies are whole ms)`,
      table(
        [
          'target',
          'req/s',
          'p50 ms',
          'p99 ms',
          'mean ms',
          'CPU ms/req',
          'RSS MB',
          'client %',
          'others',
          'errors',
        ],
        ns.targets.map((t) => {
          const row = ns[t]
          return [
            t,
            fixed(row.requestsPerSecond, 0),
            ms(row.latency.p50),
            ms(row.latency.p99),
            ms(row.latency.mean),
            fixed(row.server.cpuMsPerRequest, 3),
            memory(row),
            fixed(row.client.cpuShare * 100, 0),
            others(row),
            failures(row),
          ]
        }),
      ),
      ratioLine(ns),
      '',
    )
  }
  for (const st of [runs.stream, runs.responsesStream]) {
    if (!st) continue
    out.push(
      `${st.connections} connections, streaming${st.api === 'responses' ? ' Responses API (gateway: translated from chat)' : ''} (closed-loop client; TTFB = first body byte)`,
      table(
        [
          'target',
          'req/s',
          'TTFB p50',
          'TTFB p99',
          'end p50',
          'end p99',
          'CPU ms/req',
          'RSS MB',
          'client %',
          'others',
          'errors',
        ],
        st.targets.map((t) => {
          const row = st[t]
          return [
            t,
            fixed(row.requestsPerSecond, 0),
            ms(row.ttfb.p50),
            ms(row.ttfb.p99),
            ms(row.latency.p50),
            ms(row.latency.p99),
            fixed(row.server.cpuMsPerRequest, 3),
            memory(row),
            fixed(row.client.cpuShare * 100, 0),
            others(row),
            failures(row),
          ]
        }),
      ),
      ratioLine(st),
      '',
    )
  }
  const one = runs.oneConnection
  if (one) {
    out.push(
      '1 connection, non-streaming (closed-loop client, hrtime; unsaturated)',
      table(
        [
          'target',
          'req/s',
          'p50 ms',
          'p99 ms',
          'added p50',
          'added p99',
          'CPU ms/req',
          'others',
          'errors',
        ],
        one.targets.map((t) => {
          const row = one[t]
          const added = one.added[t]
          return [
            t,
            fixed(row.requestsPerSecond, 0),
            fixed(row.latency.p50, 3),
            fixed(row.latency.p99, 3),
            added ? fixed(added.p50, 3) : '-',
            added ? fixed(added.p99, 3) : '-',
            fixed(row.server.cpuMsPerRequest, 3),
            others(row),
            failures(row),
          ]
        }),
      ),
      '',
    )
  }
  out.push('Memory (whole bench)')
  for (const [name, m] of Object.entries(results.memory)) {
    if (m)
      out.push(`  ${name.padEnd(8)} RSS ${fixed(m.rssMb, 1)} MB, peak ${fixed(m.peakRssMb, 1)} MB`)
  }
  out.push('', 'Goals (gateway)')
  for (const g of goals) {
    const verdict = g.pass === null ? 'n/a ' : g.pass ? 'PASS' : 'FAIL'
    const value =
      g.value === null ? 'not measured' : `${fixed(g.value, g.unit === 'MB' ? 1 : 3)} ${g.unit}`
    const floor = g.floor === null ? '' : `; the floor: ${fixed(g.floor, 3)} ${g.unit}`
    out.push(
      `  ${verdict}  ${g.name.padEnd(48)} ${value.padStart(12)}  (goal ${g.comparison} ${g.limit} ${g.unit}${floor})`,
    )
  }
  for (const problem of results.problems) out.push(`  ERROR ${problem}`)
  return out.join('\n')
}

const RUN_TITLES = {
  nonStream: 'non-streaming, 50 connections',
  stream: 'streaming, 50 connections',
  oneConnection: 'non-streaming, 1 connection',
}

function formatSummary(title, summary, requests, rows) {
  const pct = (share) => `${(share * 100).toFixed(1)}%`.padStart(6)
  const perRequest = (selfMs) =>
    requests ? `${((selfMs * 1000) / requests).toFixed(1)} us/req` : ''
  const caller = (f) => (f.topCaller && !f.name.includes(' ') ? `  <- ${f.topCaller}` : '')
  return [
    `  ${title}: ${summary.busyMs} ms busy` +
      (requests ? ` over ${requests} requests = ${perRequest(summary.busyMs)}` : '') +
      `; fetch/web streams ${summary.fetchOrWebStreamsMs} ms`,
    `    by area: ${summary.topAreas
      .slice(0, 8)
      .map((a) => `${a.name} ${(a.share * 100).toFixed(0)}%`)
      .join(', ')}`,
    ...summary.topFunctions
      .slice(0, rows)
      .map(
        (f) => `    ${pct(f.share)} ${perRequest(f.selfMs).padStart(13)}  ${f.name}${caller(f)}`,
      ),
  ].join('\n')
}

/** The --cpu-prof summary, printed after the tables: the whole bench, then each gateway run. */
export function formatProfile(profile, runs) {
  const out = [`Where Warden's CPU went (node --cpu-prof; self time, share of busy time)`]
  out.push(formatSummary('whole bench, start-up included', profile.whole, null, 10))
  for (const [name, summary] of Object.entries(profile.runs)) {
    out.push(formatSummary(RUN_TITLES[name] ?? name, summary, runs[name]?.gateway?.requests, 15))
  }
  out.push(`  profile: ${path.relative(process.cwd(), profile.file)} (open in Chrome DevTools)`)
  return out.join('\n')
}
