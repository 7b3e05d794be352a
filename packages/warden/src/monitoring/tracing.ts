import type { Attributes, Span, Tracer } from '@opentelemetry/api'
import type { SpanExporter } from '@opentelemetry/sdk-trace'
import type { Config } from '../config/index.js'
import type { Endpoint, JsonObject, RequestObservation, RequestObserver } from '../domain/index.js'
import { inputMessages, outputMessages } from './trace-content.js'

/** What `createTracing` needs besides the `tracing` settings. */
export interface TracingDeps {
  /** Each provider's base URL by name (`providers.<name>.baseUrl`), for `server.address`. */
  readonly upstreams: Readonly<Record<string, string>>
  /** Told when exports start failing (once), with the error; never with span contents. */
  readonly onExportFailed: (error: unknown) => void
  /** Told when exports succeed again after failing. */
  readonly onExportRecovered: () => void
  /** Told when building a span failed (a bug, never the request's fault). */
  readonly onError: (error: unknown) => void
  /** Draws the sampling decision; `Math.random` unless a test fixes it. */
  readonly random?: () => number
}

/** OpenTelemetry tracing: one span per settled request, exported over OTLP/HTTP. */
export interface Tracing extends RequestObserver {
  /** Exports every span ended so far. */
  flush(): Promise<void>
  /** Exports what is left and stops. */
  close(): Promise<void>
}

/** `gen_ai.operation.name` of each endpoint; null for those that call no model. */
const OPERATION: Readonly<Record<Endpoint, string | null>> = {
  chat: 'chat',
  completions: 'text_completion',
  embeddings: 'embeddings',
  responses: 'chat',
  moderations: null,
  models: null,
}

/** Request parameters copied to `gen_ai.request.*` when they are numbers. */
const REQUEST_NUMBERS = [
  ['max_tokens', 'gen_ai.request.max_tokens'],
  ['max_completion_tokens', 'gen_ai.request.max_tokens'],
  ['max_output_tokens', 'gen_ai.request.max_tokens'],
  ['temperature', 'gen_ai.request.temperature'],
  ['top_p', 'gen_ai.request.top_p'],
  ['frequency_penalty', 'gen_ai.request.frequency_penalty'],
  ['presence_penalty', 'gen_ai.request.presence_penalty'],
  ['seed', 'gen_ai.request.seed'],
] as const

/** Longest string attribute: a captured prompt of megabytes must not become a span of megabytes. */
const MAX_ATTRIBUTE_CHARS = 32_768

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x)

/** Host and port of a base URL, as `server.address` and `server.port` name them. */
function serverOf(baseUrl: string): { address: string; port: number } | null {
  try {
    const url = new URL(baseUrl)
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port)
    return { address: url.hostname.replace(/^\[|\]$/g, ''), port }
  } catch {
    return null
  }
}

/**
 * Starts tracing. The OpenTelemetry SDK and exporter (OTLP/HTTP as protobuf or JSON, as
 * `tracing.otlp.protocol` says) are loaded here, with `import()`, so a Warden without
 * `tracing.otlp.endpoint` never loads them (nor needs them installed).
 *
 * Spans are built when a request settles, from what it recorded, with the times it recorded:
 * nothing runs on the request's way through, and a request that is not sampled costs one
 * random draw. The root span (kind server) is named `{operation} {model}` and carries the
 * GenAI attributes; a child span (kind client) covers the upstream call; the content filter's
 * verdicts and a stream's first chunk are events. Prompt and answer texts are added only with
 * `captureContent`; API keys and request headers never are.
 */
export async function createTracing(
  config: Config['tracing'],
  deps: TracingDeps,
): Promise<Tracing> {
  const endpoint = config.otlp.endpoint
  if (endpoint === undefined) throw new Error('createTracing needs tracing.otlp.endpoint')
  const [api, { ExportResultCode }, sdk, { OTLPTraceExporter }, { resourceFromAttributes }] =
    await Promise.all([
      import('@opentelemetry/api'),
      import('@opentelemetry/core'),
      import('@opentelemetry/sdk-trace'),
      config.otlp.protocol === 'http/json'
        ? import('@opentelemetry/exporter-trace-otlp-http')
        : import('@opentelemetry/exporter-trace-otlp-proto'),
      import('@opentelemetry/resources'),
    ]).catch((error: unknown) => {
      throw new Error(
        'tracing is configured but the OpenTelemetry packages are not installed (they are optional dependencies: npm install --include=optional)',
        { cause: error },
      )
    })
  const { SpanKind, SpanStatusCode, ROOT_CONTEXT, trace } = api

  const headers: Record<string, string> = {}
  for (const [name, secret] of Object.entries(config.otlp.headers)) {
    // An unresolved one was named in a warning at start; the collector will say it is missing.
    if (secret.problem() === undefined) headers[name] = secret.reveal()
  }
  const otlp = new OTLPTraceExporter({
    url: endpoint.endsWith('/v1/traces') ? endpoint : `${endpoint.replace(/\/+$/, '')}/v1/traces`,
    headers,
    timeoutMillis: config.otlp.timeoutMs,
  })
  let failing = false
  const exporter: SpanExporter = {
    export(spans, done) {
      otlp.export(spans, (result) => {
        const ok = result.code === ExportResultCode.SUCCESS
        if (!ok && !failing) deps.onExportFailed(result.error)
        if (ok && failing) deps.onExportRecovered()
        failing = !ok
        done(result)
      })
    },
    shutdown: () => otlp.shutdown(),
    forceFlush: () => otlp.forceFlush(),
  }
  const provider = new sdk.TracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.serviceName }),
    sampler: new sdk.AlwaysOnSampler(),
    spanLimits: { attributeValueLengthLimit: MAX_ATTRIBUTE_CHARS },
    spanProcessors: [new sdk.BatchSpanProcessor({ exporter, maxQueueSize: 4096 })],
  })
  const tracer: Tracer = provider.getTracer('warden')
  const servers = new Map<string, { address: string; port: number }>()
  for (const [name, url] of Object.entries(deps.upstreams)) {
    const server = serverOf(url)
    if (server !== null) servers.set(name, server)
  }
  const random = deps.random ?? Math.random
  const ratio = config.sampleRatio

  /** Parameters, answer and (when opted in) texts: the GenAI attributes of the root span. */
  function genAiAttributes(o: RequestObservation, operation: string, attributes: Attributes) {
    attributes['gen_ai.operation.name'] = operation
    if (o.model !== null) attributes['gen_ai.request.model'] = o.model
    if (o.provider !== null) {
      attributes['gen_ai.provider.name'] = o.provider
      // Deprecated by `gen_ai.provider.name`, and still what many backends read.
      attributes['gen_ai.system'] = o.provider
    }
    const body = o.body
    if (isObject(body)) {
      for (const [field, name] of REQUEST_NUMBERS) {
        const value = body[field]
        if (typeof value === 'number' && Number.isFinite(value)) attributes[name] = value
      }
    }
    if (o.tokensSource !== 'none') {
      attributes['gen_ai.usage.input_tokens'] = o.promptTokens
      attributes['gen_ai.usage.output_tokens'] = o.completionTokens
    }
    const answer: JsonObject | null = o.answer
    if (answer !== null) {
      if (typeof answer.id === 'string') attributes['gen_ai.response.id'] = answer.id
      if (typeof answer.model === 'string') attributes['gen_ai.response.model'] = answer.model
      const reasons = Array.isArray(answer.choices)
        ? answer.choices
            .map((c: unknown) => (isObject(c) ? c.finish_reason : null))
            .filter((r): r is string => typeof r === 'string')
        : []
      if (reasons.length > 0) attributes['gen_ai.response.finish_reasons'] = reasons
    }
    if (config.captureContent) {
      const input = inputMessages(o.endpoint, body)
      if (input !== null) attributes['gen_ai.input.messages'] = input
      const output = answer === null ? null : outputMessages(o.endpoint, answer)
      if (output !== null) attributes['gen_ai.output.messages'] = output
    }
  }

  function record(o: RequestObservation): void {
    const operation = OPERATION[o.endpoint]
    const failed = o.outcome === 'upstream_error' || o.outcome === 'internal_error'
    const attributes: Attributes = {
      'warden.request_id': o.requestId,
      'warden.endpoint': o.endpoint,
      'warden.outcome': o.outcome,
      'warden.stream': o.stream,
      'http.response.status_code': o.status,
    }
    if (o.appId !== null) attributes['warden.app_id'] = o.appId
    if (o.orgId !== null) attributes['warden.org_id'] = o.orgId
    if (o.keyId !== null) attributes['warden.key_id'] = o.keyId
    if (o.errorCode !== null) attributes['error.type'] = o.errorCode
    if (o.limit !== null) attributes['warden.limit'] = o.limit.name
    if (operation !== null) genAiAttributes(o, operation, attributes)
    const name =
      operation === null ? `warden ${o.endpoint}` : `${operation} ${o.model ?? ''}`.trim()
    const start = o.at
    const root = tracer.startSpan(name, { kind: SpanKind.SERVER, startTime: start, attributes })
    if (failed) root.setStatus({ code: SpanStatusCode.ERROR, message: o.errorCode ?? '' })
    for (const { direction, verdict } of o.content) {
      const categories = [
        ...new Set(verdict.findings.filter((f) => f.action !== 'allow').map((f) => f.category)),
      ]
      root.addEvent(
        'warden.content_filter',
        {
          'warden.direction': direction,
          'warden.categories': categories,
          'warden.classifier_failures': verdict.failures.length,
        },
        // The prompt is judged before the upstream is called, the answer by the end.
        direction === 'input' ? start + (o.upstreamStartMs ?? o.totalMs) : start + o.totalMs,
      )
    }
    if (o.firstChunkMs !== null) root.addEvent('warden.first_chunk', {}, start + o.firstChunkMs)
    if (o.upstreamStartMs !== null) upstreamSpan(root, o, operation ?? o.endpoint)
    root.end(start + o.totalMs)
  }

  function upstreamSpan(root: Span, o: RequestObservation, operation: string): void {
    const attributes: Attributes = { 'gen_ai.operation.name': operation }
    if (o.upstreamModel !== null) attributes['gen_ai.request.model'] = o.upstreamModel
    if (o.provider !== null) {
      attributes['gen_ai.provider.name'] = o.provider
      const server = servers.get(o.provider)
      if (server !== undefined) {
        attributes['server.address'] = server.address
        attributes['server.port'] = server.port
      }
    }
    const upstreamFailed = o.outcome === 'upstream_error'
    if (upstreamFailed && o.errorCode !== null) attributes['error.type'] = o.errorCode
    const start = o.at + (o.upstreamStartMs ?? 0)
    const span = tracer.startSpan(
      `${operation} ${o.upstreamModel ?? ''}`.trim(),
      { kind: SpanKind.CLIENT, startTime: start, attributes },
      trace.setSpan(ROOT_CONTEXT, root),
    )
    if (upstreamFailed) span.setStatus({ code: SpanStatusCode.ERROR, message: o.errorCode ?? '' })
    span.end(start + o.upstreamMs)
  }

  return {
    observe(o) {
      if (ratio < 1 && random() >= ratio) return
      try {
        record(o)
      } catch (error) {
        deps.onError(error)
      }
    },
    // A failed export was reported through `onExportFailed`; flushing and closing never throw
    // for it, so a collector that is down cannot fail a shutdown.
    async flush() {
      await provider.forceFlush().catch(() => undefined)
    },
    async close() {
      await provider.shutdown().catch(() => undefined)
    },
  }
}
