import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client'
import {
  ENDPOINTS,
  type Endpoint,
  type RequestObservation,
  type RequestObserver,
} from '../domain/index.js'
import type { BatchQueueStats } from './batch-queue.js'
import { BucketHistogram, histogramText } from './bucket-histogram.js'

export interface MetricsDeps {
  /** Applications with a label of their own (the first seen); the rest count as `other`. */
  readonly maxApplications: number
  /** Whether the model registry serves `id` (configured, or listed by a passthrough upstream). */
  readonly isKnownModel: (id: string) => boolean
  /** The current usage policy: its categories are the finding labels; others count as `other`. */
  readonly policy: () => {
    readonly document: { readonly categories: ReadonlyArray<{ readonly id: string }> }
  }
  /** Batch queues (usage events, findings, kept texts) by name, read at scrape time. */
  readonly queues: Readonly<Record<string, () => BatchQueueStats>>
  /** Requests not settled yet, read at scrape time. */
  readonly inFlight: () => number
  /** Where the content filter's checks ran, and its worker threads up; none with it off. */
  readonly contentChecks?: () => {
    readonly inline: number
    readonly offloaded: number
    readonly workers: number
  }
}

/** Prometheus metrics: counts every settled request, and writes them out when scraped. */
export interface Metrics extends RequestObserver {
  /** The `Content-Type` of `render`'s text. */
  readonly contentType: string
  /** Every metric in the Prometheus text format. */
  render(): Promise<string>
}

/** Models with a label of their own at most, however many an upstream lists. */
const MAX_MODELS = 200

// Warden's own time is sub-millisecond to tens of ms; an upstream's is seconds to minutes.
const GATEWAY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
const UPSTREAM_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160]
const FIRST_CHUNK_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20]

const DIRECTIONS = ['input', 'output'] as const
const ACTIONS = ['allow', 'flag', 'redact', 'block'] as const
const CLASSIFIER_FAILURE = 'classifier_failure'

/** One request count: its labels, fixed when first seen (an error code decides status and outcome). */
interface RequestCount {
  readonly labels: Readonly<Record<string, string>>
  value: number
}

/** The counters of one endpoint, model and application. */
interface AppSeries {
  readonly application: string
  readonly inputLabels: Readonly<Record<string, string>>
  readonly outputLabels: Readonly<Record<string, string>>
  inputTokens: number
  outputTokens: number
  /** By error code, `''` for success. */
  readonly requests: Map<string, RequestCount>
}

/** The histograms of one endpoint and model, and its applications' counters. */
interface ModelSeries {
  readonly endpoint: Endpoint
  readonly model: string
  readonly gateway: BucketHistogram
  readonly upstream: BucketHistogram
  readonly firstChunk: BucketHistogram
  /** Applications with a label of their own, by id. */
  readonly apps: Map<string, AppSeries>
  none: AppSeries | null
  other: AppSeries | null
  /** Every application series, for writing out. */
  readonly all: AppSeries[]
}

interface EndpointSeries {
  /** Models with a label of their own, by id. */
  readonly models: Map<string, ModelSeries>
  none: ModelSeries | null
  other: ModelSeries | null
}

/** A token count as a counter increment: finite and not negative, else nothing. */
const tokens = (n: number): number => (n > 0 && n < Number.MAX_SAFE_INTEGER ? n : 0)

/**
 * Builds the metrics. Per request the work is a few map lookups and additions into series
 * kept here (no label hashing, no allocation once a series exists); prom-client writes the
 * counters out at scrape time through its `collect` hooks, and the process's default metrics.
 * Every label value is bounded: models the registry knows (else `other`), the first
 * `maxApplications` applications (else `other`), the policy's categories (else `other`).
 */
export function createMetrics(deps: MetricsDeps): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })

  const endpoints = Object.fromEntries(
    ENDPOINTS.map((e) => [e, { models: new Map(), none: null, other: null }]),
  ) as Record<Endpoint, EndpointSeries>
  const allModels: ModelSeries[] = []
  const labelledModels = new Set<string>()
  const labelledApps = new Set<string>()
  const findings = new Map<string, Float64Array>()
  const rateLimits = new Map<string, RequestCount>()
  let categoryDocument: unknown = null
  let categories = new Set<string>()

  function modelSeries(endpoint: Endpoint, model: string): ModelSeries {
    const series: ModelSeries = {
      endpoint,
      model,
      gateway: new BucketHistogram(GATEWAY_BUCKETS, { endpoint, model }),
      upstream: new BucketHistogram(UPSTREAM_BUCKETS, { endpoint, model }),
      firstChunk: new BucketHistogram(FIRST_CHUNK_BUCKETS, { endpoint, model }),
      apps: new Map(),
      none: null,
      other: null,
      all: [],
    }
    allModels.push(series)
    return series
  }

  /** The series of a model id not seen on this endpoint yet: its own if it may have one. */
  function newModel(ep: EndpointSeries, endpoint: Endpoint, model: string): ModelSeries {
    const labelled =
      labelledModels.has(model) || (labelledModels.size < MAX_MODELS && deps.isKnownModel(model))
    if (!labelled) return (ep.other ??= modelSeries(endpoint, 'other'))
    labelledModels.add(model)
    const series = modelSeries(endpoint, model)
    ep.models.set(model, series)
    return series
  }

  function appSeries(m: ModelSeries, application: string): AppSeries {
    const base = { endpoint: m.endpoint, model: m.model, application }
    const series: AppSeries = {
      application,
      inputLabels: { ...base, type: 'input' },
      outputLabels: { ...base, type: 'output' },
      inputTokens: 0,
      outputTokens: 0,
      requests: new Map(),
    }
    m.all.push(series)
    return series
  }

  function newApp(m: ModelSeries, appId: string): AppSeries {
    if (!labelledApps.has(appId)) {
      if (labelledApps.size >= deps.maxApplications) return (m.other ??= appSeries(m, 'other'))
      labelledApps.add(appId)
    }
    const series = appSeries(m, appId)
    m.apps.set(appId, series)
    return series
  }

  function countRequest(m: ModelSeries, a: AppSeries, o: RequestObservation): void {
    const code = o.errorCode ?? ''
    let count = a.requests.get(code)
    if (count === undefined) {
      count = {
        labels: {
          endpoint: m.endpoint,
          model: m.model,
          application: a.application,
          status: String(o.status),
          outcome: o.outcome,
          code,
        },
        value: 0,
      }
      a.requests.set(code, count)
    }
    count.value += 1
  }

  function categoryLabel(category: string): string {
    const document = deps.policy().document
    if (document !== categoryDocument) {
      categoryDocument = document
      categories = new Set([...document.categories.map((c) => c.id), CLASSIFIER_FAILURE])
    }
    return categories.has(category) ? category : 'other'
  }

  function countFinding(category: string, direction: 'input' | 'output', action: string): void {
    const label = categoryLabel(category)
    let counts = findings.get(label)
    if (counts === undefined) {
      counts = new Float64Array(DIRECTIONS.length * ACTIONS.length)
      findings.set(label, counts)
    }
    const i =
      DIRECTIONS.indexOf(direction) * ACTIONS.length +
      ACTIONS.indexOf(action as (typeof ACTIONS)[number])
    counts[i] = (counts[i] ?? 0) + 1
  }

  function countContent(o: RequestObservation): void {
    for (const { direction, verdict } of o.content) {
      // As stored: findings below their threshold are not counted; classifier failures are.
      for (const f of verdict.findings) {
        if (f.action !== 'allow') countFinding(f.category, direction, f.action)
      }
      for (const failure of verdict.failures) {
        countFinding(CLASSIFIER_FAILURE, direction, failure.fail === 'closed' ? 'block' : 'allow')
      }
    }
  }

  function countRefusal(limit: NonNullable<RequestObservation['limit']>): void {
    const key = `${limit.name} ${limit.level}`
    let count = rateLimits.get(key)
    if (count === undefined) {
      count = { labels: { limit: limit.name, level: limit.level }, value: 0 }
      rateLimits.set(key, count)
    }
    count.value += 1
  }

  const counter = (
    name: string,
    help: string,
    labelNames: readonly string[],
    each: (emit: (labels: Readonly<Record<string, string>>, value: number) => void) => void,
  ) =>
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset()
        each((labels, value) => this.inc(labels, value))
      },
    })

  counter(
    'warden_requests_total',
    'Requests settled, by endpoint, model, application, status, outcome and error code.',
    ['endpoint', 'model', 'application', 'status', 'outcome', 'code'],
    (emit) => {
      for (const m of allModels)
        for (const a of m.all) for (const r of a.requests.values()) emit(r.labels, r.value)
    },
  )
  counter(
    'warden_tokens_total',
    'Tokens of settled requests, by endpoint, model, application and type (input, output).',
    ['endpoint', 'model', 'application', 'type'],
    (emit) => {
      for (const m of allModels)
        for (const a of m.all) {
          emit(a.inputLabels, a.inputTokens)
          emit(a.outputLabels, a.outputTokens)
        }
    },
  )
  counter(
    'warden_content_findings_total',
    'Content filter findings stored (flag, redact, block) and classifier failures, by category, direction and action.',
    ['category', 'direction', 'action'],
    (emit) => {
      for (const [category, counts] of findings) {
        counts.forEach((value, i) => {
          if (value === 0) return
          const direction = DIRECTIONS[Math.floor(i / ACTIONS.length)] as string
          emit({ category, direction, action: ACTIONS[i % ACTIONS.length] as string }, value)
        })
      }
    },
  )
  counter(
    'warden_rate_limit_refusals_total',
    "Requests refused by Warden's own limits, by limit and level (key, app, org; address for bad keys).",
    ['limit', 'level'],
    (emit) => {
      for (const r of rateLimits.values()) emit(r.labels, r.value)
    },
  )
  const queueCounter = (
    field: 'written' | 'dropped' | 'failedWrites',
    name: string,
    help: string,
  ) =>
    counter(name, help, ['queue'], (emit) => {
      for (const [queue, stats] of Object.entries(deps.queues)) emit({ queue }, stats()[field])
    })
  queueCounter('written', 'warden_queue_written_total', 'Items written to the database, by queue.')
  queueCounter(
    'dropped',
    'warden_queue_dropped_total',
    'Items dropped because the queue was full or a batch kept failing, by queue.',
  )
  queueCounter(
    'failedWrites',
    'warden_queue_failed_writes_total',
    'Batch writes that failed (and were retried), by queue.',
  )
  new Gauge({
    name: 'warden_queue_items',
    help: 'Items waiting to be written, by queue.',
    labelNames: ['queue'],
    registers: [registry],
    collect() {
      for (const [queue, stats] of Object.entries(deps.queues)) this.set({ queue }, stats().queued)
    },
  })
  const checks = deps.contentChecks
  if (checks !== undefined) {
    counter(
      'warden_content_checks_total',
      'Content filter checks, by where the local classifiers judged them (event_loop or worker).',
      ['where'],
      (emit) => {
        const stats = checks()
        emit({ where: 'event_loop' }, stats.inline)
        emit({ where: 'worker' }, stats.offloaded)
      },
    )
    new Gauge({
      name: 'warden_content_workers',
      help: 'Classifier worker threads up.',
      registers: [registry],
      collect() {
        this.set(checks().workers)
      },
    })
  }
  new Gauge({
    name: 'warden_requests_in_flight',
    help: 'Requests not settled yet (a stream counts until it ends).',
    registers: [registry],
    collect() {
      this.set(deps.inFlight())
    },
  })

  return {
    contentType: registry.contentType,

    observe(o) {
      const ep = endpoints[o.endpoint]
      const m =
        o.model === null
          ? (ep.none ??= modelSeries(o.endpoint, 'none'))
          : (ep.models.get(o.model) ?? newModel(ep, o.endpoint, o.model))
      const a =
        o.appId === null
          ? (m.none ??= appSeries(m, 'none'))
          : (m.apps.get(o.appId) ?? newApp(m, o.appId))
      countRequest(m, a, o)
      a.inputTokens += tokens(o.promptTokens)
      a.outputTokens += tokens(o.completionTokens)
      m.gateway.observe(Math.max(0, o.totalMs - o.upstreamMs) / 1000)
      if (o.upstreamStartMs !== null) m.upstream.observe(o.upstreamMs / 1000)
      if (o.firstChunkMs !== null) m.firstChunk.observe(o.firstChunkMs / 1000)
      if (o.content.length > 0) countContent(o)
      if (o.limit !== null) countRefusal(o.limit)
    },

    async render() {
      const own = [
        histogramText(
          'warden_gateway_duration_seconds',
          "Warden's own time per request (total less the upstream's), by endpoint and model.",
          allModels.map((m) => m.gateway),
        ),
        histogramText(
          'warden_upstream_duration_seconds',
          "Time waiting on the upstream per call (a stream's until its end), by endpoint and model.",
          allModels.filter((m) => m.upstream.count > 0).map((m) => m.upstream),
        ),
        histogramText(
          'warden_time_to_first_chunk_seconds',
          "Time from a streamed request's start to its first chunk sent, by endpoint and model.",
          allModels.filter((m) => m.firstChunk.count > 0).map((m) => m.firstChunk),
        ),
      ]
      return `${await registry.metrics()}\n${own.join('\n')}`
    },
  }
}
