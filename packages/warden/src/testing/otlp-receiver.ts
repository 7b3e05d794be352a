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

/** A real OTLP/HTTP receiver on a loopback port: accepts `POST /v1/traces` as protobuf or JSON. */
export interface OtlpReceiver {
  /** The base URL, as `tracing.otlp.endpoint` takes it. */
  readonly url: string
  readonly spans: ReceivedSpan[]
  /** Every request body as received, to check what never reaches a collector. */
  readonly bodies: Buffer[]
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

/** One field of a protobuf message: its number and its value as the wire type carries it. */
interface WireField {
  readonly n: number
  readonly varint?: bigint
  readonly bytes?: Buffer
  readonly fixed64?: Buffer
}

/** The fields of one protobuf message, in order (the wire format: tag, then value). */
function wireFields(buf: Buffer): WireField[] {
  let i = 0
  const varint = (): bigint => {
    let value = 0n
    for (let shift = 0n; ; shift += 7n) {
      const byte = buf[i++] ?? 0
      value |= BigInt(byte & 0x7f) << shift
      if ((byte & 0x80) === 0) return value
    }
  }
  const fields: WireField[] = []
  while (i < buf.length) {
    const tag = Number(varint())
    const n = tag >>> 3
    switch (tag & 7) {
      case 0:
        fields.push({ n, varint: varint() })
        break
      case 1:
        fields.push({ n, fixed64: buf.subarray(i, (i += 8)) })
        break
      case 2: {
        const length = Number(varint())
        fields.push({ n, bytes: buf.subarray(i, (i += length)) })
        break
      }
      case 5:
        i += 4
        break
      default:
        throw new Error(`unknown protobuf wire type ${tag & 7}`)
    }
  }
  return fields
}

const each = (buf: Buffer | undefined, n: number) =>
  wireFields(buf ?? Buffer.alloc(0)).filter((f) => f.n === n)
const first = (buf: Buffer | undefined, n: number) => each(buf, n)[0]
const text = (f: WireField | undefined) => f?.bytes?.toString('utf8') ?? ''

/** An OTLP `AnyValue` as OTLP/JSON writes it. */
function anyValue(buf: Buffer | undefined): Record<string, unknown> {
  const [f] = wireFields(buf ?? Buffer.alloc(0))
  if (f === undefined) return {}
  switch (f.n) {
    case 1:
      return { stringValue: text(f) }
    case 2:
      return { boolValue: f.varint === 1n }
    case 3:
      return { intValue: String(BigInt.asIntN(64, f.varint ?? 0n)) }
    case 4:
      return { doubleValue: f.fixed64?.readDoubleLE(0) ?? 0 }
    case 5:
      return { arrayValue: { values: each(f.bytes, 1).map((v) => anyValue(v.bytes)) } }
    default:
      return {}
  }
}

const keyValues = (buf: Buffer | undefined, n: number): JsonAttribute[] =>
  each(buf, n).map((kv) => ({
    key: text(first(kv.bytes, 1)),
    value: anyValue(first(kv.bytes, 2)?.bytes),
  }))
const nanos = (f: WireField | undefined) => String(f?.fixed64?.readBigUInt64LE(0) ?? 0n)

/** An OTLP `ExportTraceServiceRequest` in protobuf, as the OTLP/JSON object it stands for. */
function fromProtobuf(buf: Buffer): unknown {
  return {
    resourceSpans: each(buf, 1).map((rs) => ({
      resource: { attributes: keyValues(first(rs.bytes, 1)?.bytes, 1) },
      scopeSpans: each(rs.bytes, 2).map((ss) => ({
        spans: each(ss.bytes, 2).map(({ bytes: span }) => ({
          traceId: first(span, 1)?.bytes?.toString('hex') ?? '',
          spanId: first(span, 2)?.bytes?.toString('hex') ?? '',
          parentSpanId: first(span, 4)?.bytes?.toString('hex') ?? '',
          name: text(first(span, 5)),
          kind: Number(first(span, 6)?.varint ?? 0n),
          startTimeUnixNano: nanos(first(span, 7)),
          endTimeUnixNano: nanos(first(span, 8)),
          attributes: keyValues(span, 9),
          events: each(span, 11).map(({ bytes: event }) => ({
            timeUnixNano: nanos(first(event, 1)),
            name: text(first(event, 2)),
            attributes: keyValues(event, 3),
          })),
          status: { code: Number(first(first(span, 15)?.bytes, 3)?.varint ?? 0n) },
        })),
      })),
    })),
  }
}

/** Nanoseconds since the epoch (a string or number in OTLP/JSON) as milliseconds. */
const ms = (nanos: unknown) => Number(BigInt(String(nanos)) / 1000n) / 1000

/** Starts a receiver; spans of every export it accepted are in `spans`, oldest first. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = []
  const bodies: Buffer[] = []
  const headers: IncomingHttpHeaders[] = []
  let status = 200
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
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
      const json = req.headers['content-type']?.startsWith('application/json') === true
      const parsed = (json ? JSON.parse(body.toString('utf8')) : fromProtobuf(body)) as {
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
