import { pino, type Logger } from 'pino'
import type { Config } from './config/index.js'
import type { RequestLogLine } from './pipeline/index.js'

/** The process logger: JSON lines on stdout, with every credential-bearing field redacted. */
export function createLogger(config: Config['log'], destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level: config.level,
      base: { service: 'warden' },
      redact: {
        paths: [
          'req.headers.authorization',
          'headers.authorization',
          '*.apiKey',
          '*.api_key',
          '*.key',
          '*.token',
          '*.password',
          'apiKey',
          'password',
          'token',
        ],
        censor: '[redacted]',
      },
    },
    // Lines leave in writes of 4 KB or every 250 ms: one write per request line would cost the
    // gateway more than the rest of a request's logging (measured at one connection). The
    // writes are synchronous, as Node's own stdout is for files and pipes: an asynchronous
    // fs.write of each 4 KB cost the event loop about 10% of a request's CPU at 50 connections
    // (measured beside a synchronous build, both under load at once).
    destination ?? pino.destination({ dest: 1, sync: true, minLength: 4096, periodicFlush: 250 }),
  )
}

const { streamSym } = pino.symbols

function isWritable(value: unknown): value is { write(text: string): unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    'write' in value &&
    typeof value.write === 'function'
  )
}
/** pino's numeric `info` level, the one the request line is written at. */
const INFO = 30

/**
 * Writes the one line per request: the line pino would write at `info` (level, time, the base
 * fields, the line's fields, `msg: "request"`), built by hand into the logger's own destination,
 * so it keeps its place among the other lines. pino's generic path (a redaction walk, a
 * serializer per field) cost the gateway about a tenth of its CPU a request at 50 connections,
 * measured against the same build logging at `warn` under the same load; this costs half that.
 * Its fields are fixed and never secret: ids, a key's display prefix, a model name.
 */
export function createRequestLineWriter(logger: Logger): (line: RequestLogLine) => void {
  const destination: unknown = Reflect.get(logger, streamSym)
  if (!isWritable(destination)) throw new Error('pino keeps its destination elsewhere')
  const base = logger.bindings()
  const bindings = Object.keys(base)
    .map((key) => `,${JSON.stringify(key)}:${JSON.stringify(base[key])}`)
    .join('')
  const text = (value: string | null) => (value === null ? 'null' : JSON.stringify(value))
  return (line) => {
    if (!logger.isLevelEnabled('info')) return
    destination.write(
      `{"level":${INFO},"time":${Date.now()}${bindings},"request_id":${text(line.request_id)}` +
        `,"endpoint":${text(line.endpoint)},"key_prefix":${text(line.key_prefix)}` +
        `,"app_id":${text(line.app_id)},"model":${text(line.model)},"status":${line.status}` +
        `,"outcome":${text(line.outcome)},"error_code":${text(line.error_code)}` +
        `,"ms":${Number.isFinite(line.ms) ? line.ms : null},"msg":"request"}\n`,
    )
  }
}
