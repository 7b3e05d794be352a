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
    destination ?? pino.destination({ dest: 1, sync: false }),
  )
}
