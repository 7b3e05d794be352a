// Monitoring's own cost, in two parts. Run after `npm run build`:
//
//   node packages/warden/bench/monitor-bench.mjs [--database postgres://…] [--rate 500] [--seconds 20]
//
// On PostgreSQL it works in a schema of its own and drops it at the end.
//
// 1. The request path: the end-of-request handler that records a usage event, with a 1 KB prompt
//    and a 1 KB answer judged by the content filter (their SimHashes, the findings summary, the
//    folded address), against the same handler on a request the filter did not read.
// 2. The live feed: usage events written in batches by the usage recorder at --rate a second for
//    --seconds, read by the feed on its one-second tick through the default policy's detectors;
//    reports the lag from an event's start to its reading, and the detectors' CPU per event.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { prose } from './measure.mjs'

const dist = new URL('../dist/', import.meta.url)
const { values: flags } = parseArgs({
  options: {
    database: { type: 'string', default: '' },
    rate: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '20' },
  },
})
const { createExchange, endpointStages } = await import(new URL('pipeline/index.js', dist).href)
const { loadPolicyFile, createPolicySnapshot } = await import(new URL('policy/index.js', dist).href)
const { openStore } = await import(new URL('store/index.js', dist).href)
const monitoring = await import(new URL('monitoring/index.js', dist).href)

const policy = await loadPolicyFile(null)
const snapshot = createPolicySnapshot(1, policy.document, { version: 1, deadline: 0 })

// 1. The request path.
const recorded = []
const stage = endpointStages({
  audit: { append() {}, appendNow: async () => {} },
  anonymous: { refused() {}, waitFor: () => 0 },
  usage: { record: (e) => void (recorded[0] = e) },
  logRequest() {},
  resolveKey: async () => ({}),
  models: {},
  policy: () => snapshot,
  now: Date.now,
  publicUrl: '',
  limiter: null,
  findings: { record() {} },
  contentTexts: { record() {} },
  contentFilter: null,
  outputWindow: { holdBackChars: 64, checkEveryChars: 96, contextChars: 128, maxHoldChars: 4096 },
  createRedactor: () => null,
  observers: [],
}).chat[1]
const verdict = { action: 'allow', findings: [], failures: [], blockedBy: null, truncated: false }
const principal = { keyId: 'key_1', keyPrefix: 'wdn_x', appId: 'app_1', orgId: 'org_1', tier: null }

const flat = (text) => JSON.parse(JSON.stringify(text))

function settle(withContent, i) {
  const x = createExchange({
    requestId: `req_${i}`,
    at: Date.now(),
    startedAt: 0,
    endpoint: 'chat',
    apiKey: 'wdn_x',
    clientAddress: i % 2 ? '203.0.113.9' : '2001:db8:1:2:3:4:5:6',
    userAgent: 'OpenAI/Python 1.99.0',
    signal: new AbortController().signal,
    readBody: async () => null,
  })
  x.principal = principal
  if (withContent) {
    // Flat strings, as JSON.parse gives a request's texts.
    x.content.push({ direction: 'input', texts: [flat(`${i} ${prose(1024)}`)], verdict })
    x.content.push({ direction: 'output', texts: [flat(`${prose(1024)} ${i}`)], verdict })
  }
  return x
}

async function timeSettle(withContent, n) {
  const exchanges = Array.from({ length: n }, (_, i) => settle(withContent, i))
  const end = { error: null, status: 200, code: null, outcome: 'ok', clause: null, totalMs: 5 }
  for (const x of exchanges) await stage(x, async () => {})
  const start = performance.now()
  for (const x of exchanges) for (const handler of x.settlers) handler(x, end)
  return ((performance.now() - start) * 1000) / n
}
for (let round = 0; round < 2; round += 1) {
  await timeSettle(true, 5_000)
  await timeSettle(false, 5_000)
}
const plain = []
const signed = []
for (let round = 0; round < 5; round += 1) {
  plain.push(await timeSettle(false, 20_000))
  signed.push(await timeSettle(true, 20_000))
}
const median = (values) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)]
console.log(
  `usage event per request: ${median(plain).toFixed(2)} µs without judged texts, ` +
    `${median(signed).toFixed(2)} µs with a 1 KB prompt and a 1 KB answer (median of 5 rounds)`,
)

// 2. The live feed.
const dir = mkdtempSync(path.join(tmpdir(), 'warden-monitor-bench-'))
// On PostgreSQL, a schema of its own, dropped at the end: the database is left as it was.
let url = flags.database
const schema = `warden_bench_${Date.now().toString(36)}`
async function onPostgres(statement) {
  const { default: pg } = await import('pg')
  const client = new pg.Client({ connectionString: flags.database })
  await client.connect()
  await client.query(statement)
  await client.end()
}
if (url !== '') {
  await onPostgres(`create schema ${schema}`)
  const withPath = new URL(url)
  withPath.searchParams.set('options', `-c search_path=${schema}`)
  url = withPath.toString()
}
const store = await openStore({
  url,
  sqlitePath: path.join(dir, 'warden.db'),
  poolSize: 4,
})
await store.migrate()
const usage = monitoring.createUsageRecorder({
  store,
  batchSize: 100,
  flushIntervalMs: 1_000,
  maxQueue: 100_000,
  onError: (error) => console.error(error),
})
const lags = []
let detectorCpuUs = 0
let observed = 0
const detectors = monitoring.createDetectors(policy.document.monitoring)
const feed = monitoring.createUsageFeed({
  store,
  name: `bench-${Date.now()}`,
  holder: 'bench',
  now: Date.now,
  leaseMs: 15_000,
  batchSize: 1_000,
  maxBatches: 20,
  warmupEvents: 0,
  consumer: {
    warm() {},
    async consume(events) {
      const read = Date.now()
      const cpu = process.cpuUsage()
      for (const event of events) for (const d of detectors) d.observe(event)
      const spent = process.cpuUsage(cpu)
      detectorCpuUs += spent.user + spent.system
      observed += events.length
      for (const event of events) lags.push(read - event.at)
    },
    async committed() {},
  },
})
await feed.tick()
feed.schedule(1_000, (error) => console.error(error))
const rate = Number(flags.rate)
const seconds = Number(flags.seconds)
const apps = 50
let sent = 0
const started = Date.now()
while (Date.now() - started < seconds * 1000) {
  const due = Math.floor(((Date.now() - started) / 1000) * rate)
  for (; sent < due; sent += 1) {
    const app = sent % apps
    usage.record({
      requestId: `req_${sent}`,
      at: Date.now(),
      endpoint: 'chat',
      keyId: `key_${app}`,
      appId: `app_${app}`,
      orgId: `org_${app}`,
      model: 'gpt-4o-mini',
      stream: false,
      promptTokens: 20,
      completionTokens: 30,
      tokensSource: 'upstream',
      gatewayMs: 1,
      upstreamMs: 200,
      status: 200,
      outcome: 'ok',
      errorCode: null,
      clause: null,
      clientSource: `198.51.100.${app}`,
      userAgent: 'OpenAI/Python 1.99.0',
      tier: 'production',
      sandbox: false,
      contentAction: 'none',
      harmAction: 'none',
      injection: false,
      promptSignature: sent.toString(16).padStart(16, 'a'),
      completionSignature: null,
    })
  }
  await new Promise((resolve) => setTimeout(resolve, 10))
}
await usage.flush()
const waitUntil = Date.now() + 5_000
while (observed < sent && Date.now() < waitUntil) await new Promise((r) => setTimeout(r, 50))
await feed.close()
await usage.close()
await store.close()
rmSync(dir, { recursive: true, force: true })
if (flags.database !== '') await onPostgres(`drop schema ${schema} cascade`)
const sorted = lags.toSorted((a, b) => a - b)
const pct = (p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]
console.log(
  `feed on ${store.dialect}: ${observed}/${sent} events read at ${rate}/s; lag p50 ${pct(50)} ms, ` +
    `p99 ${pct(99)} ms, max ${sorted.at(-1)} ms; detectors ${(detectorCpuUs / Math.max(1, observed)).toFixed(1)} µs CPU an event`,
)
