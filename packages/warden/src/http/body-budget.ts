import { Transform, type TransformCallback } from 'node:stream'
import type { preParsingHookHandler } from 'fastify'
import { WardenError } from '../domain/index.js'

/** Bytes of request bodies received and not yet released, across all requests. */
export interface BodyBudget {
  /** The `preParsing` hook that counts every body as it arrives. */
  readonly hook: preParsingHookHandler
  /** Bytes held right now. */
  inFlight(): number
}

/**
 * A budget of request-body bytes in flight across all requests. Each body is counted as its
 * bytes arrive and released when its request ends, however it ends; a body that would take the
 * total past `maxBytes` is refused with 503 `service_unavailable` and `Retry-After`. The hook
 * wraps the payload stream, so every body reader (a content-type parser or a route's own
 * reader) consumes counted bytes.
 */
export function createBodyBudget(maxBytes: number): BodyBudget {
  let inFlight = 0

  const hook: preParsingHookHandler = (request, reply, payload, done) => {
    const { headers } = request
    if (headers['transfer-encoding'] === undefined && !(Number(headers['content-length']) > 0)) {
      done(null, payload)
      return
    }
    let held = 0
    let released = false
    const release = (): void => {
      if (released) return
      released = true
      inFlight -= held
    }
    const counter = new Transform({
      transform(chunk: Buffer, _encoding: BufferEncoding, next: TransformCallback) {
        if (released) {
          next(null, chunk)
        } else if (inFlight + chunk.length > maxBytes) {
          void reply.header('retry-after', '1').header('connection', 'close')
          next(overBudget())
        } else {
          inFlight += chunk.length
          held += chunk.length
          next(null, chunk)
        }
      },
    })
    counter.once('error', () => {
      payload.unpipe(counter)
      // The rest of the refused body is read and dropped, never buffered.
      payload.resume()
    })
    payload.once('error', (error) => counter.destroy(error))
    request.raw.once('close', release)
    reply.raw.once('close', release)
    done(null, payload.pipe(counter))
  }

  return { hook, inFlight: () => inFlight }
}

function overBudget(): WardenError {
  return new WardenError(
    'service_unavailable',
    'The server is receiving too many request bodies at once; retry shortly.',
  )
}
