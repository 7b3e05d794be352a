// What the end-of-request observers cost per request, in this process's CPU: the Prometheus
// metrics (counting into their series) and tracing (building the spans, batching them and
// exporting them over OTLP/HTTP, as protobuf, to a sink in another process). Steadier than an A/B of whole
// servers on a busy machine, since it times only the observers' own work.
// Run after `npm run build`:
//   node packages/warden/bench/observer-bench.mjs [--requests 200000]
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { loadConfig } from '../dist/config/index.js'
import { createMetrics, createTracing } from '../dist/monitoring/index.js'
import { providerKinds } from '../dist/providers/index.js'
import { EXIT_WITH_PARENT, startListeningChild, stopAllChildren } from './children.mjs'

const { values: flags } = parseArgs({
  options: { requests: { type: 'string', default: '200000' } },
})
const requests = Number(flags.requests)
const benchDir = path.dirname(fileURLToPath(import.meta.url))

const MODELS = ['gpt-4o-mini', 'gpt-4o', 'house-model', 'llama-3.1-8b', 'embedder']
const APPS = Array.from({ length: 50 }, (_, i) => `app_${String(i).padStart(16, '0')}`)
const FLAGGED = {
  direction: 'input',
  texts: ['my number is 555-0100'],
  verdict: {
    action: 'flag',
    findings: [{ category: 'pii', action: 'flag', score: 0.9, text: 0 }],
    failures: [],
    blockedBy: null,
    truncated: false,
  },
}

/** Observations as a busy gateway settles them: mostly chat, some streams, a few refusals. */
function observations(count) {
  return Array.from({ length: count }, (_, i) => {
    const refused = i % 50 === 0
    const stream = i % 4 === 1
    return {
      requestId: `req_${i}`,
      at: Date.now(),
      endpoint: 'chat',
      keyId: `key_${i % 200}`,
      appId: APPS[i % APPS.length],
      orgId: `org_${i % 10}`,
      model: MODELS[i % MODELS.length],
      provider: 'default',
      upstreamModel: MODELS[i % MODELS.length],
      stream,
      status: refused ? 429 : 200,
      outcome: refused ? 'refused' : 'ok',
      errorCode: refused ? 'rate_limit_exceeded' : null,
      limit: refused ? { name: 'requests_per_minute', level: 'key' } : null,
      promptTokens: 40 + (i % 30),
      completionTokens: refused ? 0 : 120 + (i % 50),
      tokensSource: refused ? 'none' : 'upstream',
      totalMs: 250 + (i % 100),
      upstreamMs: refused ? 0 : 240 + (i % 100),
      upstreamStartMs: refused ? null : 3,
      firstChunkMs: stream ? 80 : null,
      content: i % 20 === 0 ? [FLAGGED] : [],
      body: {
        model: MODELS[i % MODELS.length],
        messages: [{ role: 'user', content: 'Say hello' }],
        max_tokens: 200,
      },
      answer:
        stream || refused
          ? null
          : { id: `chatcmpl-${i}`, model: 'gpt-4o-mini', choices: [{ finish_reason: 'stop' }] },
    }
  })
}

/**
 * CPU µs per request of `observe` over the observations, after a warm-up pass; `settle` runs
 * after every `every` of them (tracing's flush: the export is part of what tracing costs).
 * Returns the total and the part spent in `observe` itself.
 */
async function cpuPerRequest(observer, list, every = list.length, settle = async () => {}) {
  const cpu = () => {
    const { user, system } = process.cpuUsage()
    return user + system
  }
  const run = async (items) => {
    let inObserve = 0
    for (let i = 0; i < items.length; i += every) {
      const started = cpu()
      for (const o of items.slice(i, i + every)) observer.observe(o)
      inObserve += cpu() - started
      await settle()
    }
    return inObserve
  }
  await run(list.slice(0, 20_000))
  const start = cpu()
  const inObserve = await run(list)
  return { total: (cpu() - start) / list.length, observe: inObserve / list.length }
}

const policy = { document: { categories: [{ id: 'pii' }, { id: 'hate' }, { id: 'self_harm' }] } }
const stats = () => ({ queued: 0, written: 0, dropped: 0, failedWrites: 0 })
const list = observations(requests)

const metrics = createMetrics({
  maxApplications: 100,
  isKnownModel: (id) => MODELS.includes(id),
  policy: () => policy,
  queues: { usage: stats, findings: stats, kept_texts: stats },
  inFlight: () => 0,
})
const metricsUs = await cpuPerRequest(metrics, list)
const scrapeStart = process.cpuUsage()
const text = await metrics.render()
const scrape = process.cpuUsage(scrapeStart)

const sink = await startListeningChild('otlp-sink', process.execPath, [
  ...EXIT_WITH_PARENT,
  path.join(benchDir, 'otlp-sink.mjs'),
])
try {
  const config = loadConfig({
    env: { WARDEN_TRACING_ENDPOINT: sink.url },
    file: undefined,
    cwd: benchDir,
    providerKinds,
  })
  const tracing = await createTracing(config.tracing, {
    upstreams: { default: 'http://127.0.0.1:11434/v1' },
    onExportFailed: (error) => process.stderr.write(`export failed: ${error}\n`),
    onExportRecovered: () => {},
    onError: (error) => process.stderr.write(`span failed: ${error}\n`),
  })
  // Flushing every 2,000 keeps the span queue (4,096) from dropping any: every span is built,
  // serialized and sent, and the CPU of all of it is counted.
  const traced = list.slice(0, Math.min(list.length, 40_000))
  const tracingUs = await cpuPerRequest(tracing, traced, 2_000, () => tracing.flush())
  const received = await (await fetch(`${sink.url}/stats`)).json()
  await tracing.close()
  process.stdout.write(
    [
      `Observers' CPU per request (${requests} chat observations, ${MODELS.length} models, ${APPS.length} applications):`,
      `  metrics: ${metricsUs.total.toFixed(2)} µs/request; one scrape: ${((scrape.user + scrape.system) / 1000).toFixed(1)} ms CPU, ${text.length} bytes`,
      `  tracing, every request sampled, OTLP/HTTP protobuf to a local sink: ${tracingUs.total.toFixed(1)} µs/request, ${tracingUs.observe.toFixed(1)} of them building spans (${traced.length} spans; sink got ${received.exports} exports, ${(received.bytes / 1e6).toFixed(1)} MB)`,
      '',
    ].join('\n'),
  )
} finally {
  stopAllChildren()
}
