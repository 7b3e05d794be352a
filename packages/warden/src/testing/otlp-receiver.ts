import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One attribute value as OTLP/JSON writes it, read back into a plain value. */
export type OtlpValue = string | number | boolean | readonly OtlpValue[] | null

/** A span as received, with its attributes and events' attributes flattened. */
export interface ReceivedSpan {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string
  readonly name: string
  /** 1 internal, 2 server, 3 client (the OTLP enum). */
  readonly kind: number
  readonly startMs: number
  readonly endMs: number
  readonly attributes: Readonly<Record<string, OtlpValue>>
  readonly events: ReadonlyArray<{
    readonly name: string
    readonly atMs: number
    readonly attributes: Readonly<Record<string, OtlpValue>>
  }>
  /** 0 unset, 1 ok, 2 error. */
  readonly status: number
  /** The resource's attributes (`service.name`, …). */
  readonly resource: Readonly<Record<string, OtlpValue>>
}

/** A real OTLP/HTTP receiver on a loopback port: accepts `POST /v1/traces` as JSON. */
export interface OtlpReceiver {
  /** The base URL, as `tracing.otlp.endpoint` takes it. */
  readonly url: string
  readonly spans: ReceivedSpan[]
  /** Every request body as received, to check what never reaches a collector. */
  readonly bodies: string[]
  readonly headers: IncomingHttpHeaders[]
  /** The status the next exports get (200 by default). */
  respondWith(status: number): void
  close(): Promise<void>
}

type JsonAttribute = { key: string; value: Record<string, unknown> }

function valueOf(value: Record<string, unknown> | undefined): OtlpValue {
  if (value === undefined) return null
  if ('stringValue' in value) return value.stringValue as string
  if ('boolValue' in value) return value.boolValue as boolean
  if ('intValue' in value) return Number(value.intValue)
  if ('doubleValue' in value) return Number(value.doubleValue)
  if ('arrayValue' in value) {
    const values = (value.arrayValue as { values?: Array<Record<string, unknown>> }).values ?? []
    return values.map(valueOf)
  }
  return null
}

function attributesOf(list: readonly JsonAttribute[] | undefined): Record<string, OtlpValue> {
  return Object.fromEntries((list ?? []).map((a) => [a.key, valueOf(a.value)]))
}

/** Nanoseconds since the epoch (a string or number in OTLP/JSON) as milliseconds. */
const ms = (nanos: unknown) => Number(BigInt(String(nanos)) / 1000n) / 1000

/** Starts a receiver; spans of every export it accepted are in `spans`, oldest first. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = []
  const bodies: string[] = []
  const headers: IncomingHttpHeaders[] = []
  let status = 200
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end()
        return
      }
      bodies.push(body)
      headers.push(req.headers)
      if (status !== 200) {
        res.writeHead(status, { 'content-type': 'application/json' }).end('{}')
        return
      }
      const parsed = JSON.parse(body) as {
        resourceSpans?: Array<{
          resource?: { attributes?: JsonAttribute[] }
          scopeSpans?: Array<{ spans?: Array<Record<string, unknown>> }>
        }>
      }
      for (const rs of parsed.resourceSpans ?? []) {
        const resource = attributesOf(rs.resource?.attributes)
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            spans.push({
              traceId: String(s.traceId),
              spanId: String(s.spanId),
              parentSpanId: typeof s.parentSpanId === 'string' ? s.parentSpanId : '',
              name: String(s.name),
              kind: Number(s.kind),
              startMs: ms(s.startTimeUnixNano),
              endMs: ms(s.endTimeUnixNano),
              attributes: attributesOf(s.attributes as JsonAttribute[] | undefined),
              events: ((s.events ?? []) as Array<Record<string, unknown>>).map((e) => ({
                name: String(e.name),
                atMs: ms(e.timeUnixNano),
                attributes: attributesOf(e.attributes as JsonAttribute[] | undefined),
              })),
              status: Number((s.status as { code?: number } | undefined)?.code ?? 0),
              resource,
            })
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    bodies,
    headers,
    respondWith(next) {
      status = next
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
