import { pino, type Logger } from 'pino'
import type { Config } from './config/index.js'

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
    // gateway more than the rest of a request's logging (measured at one connection).
    destination ?? pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 250 }),
  )
}

/**
 * A logger for the one line per request: the same level and destination, no redaction pass.
 * Its fields are fixed and never secret (a key's display prefix, ids, a model name), and the
 * redaction walk doubled the line's cost (measured: about 13.6 against 6.4 µs a line).
 */
export function createRequestLogger(logger: Logger): Logger {
  return logger.child({}, { redact: [] })
}
