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

/** Bodies declared at most this long are reserved whole when they start, not counted as they arrive. */
const RESERVE_UP_TO = 64 * 1024

/**
 * A budget of request-body bytes in flight across all requests. A small declared body is
 * reserved whole as it starts; a larger or chunked one is counted as its bytes arrive (so a few
 * large declared lengths cannot block everyone), through a stream the hook wraps around it.
 * Either is released when its request ends, however it ends; a body that would take the total
 * past `maxBytes` is refused with 503 `service_unavailable` and `Retry-After`.
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
    const declared = Number(headers['content-length'])
    if (headers['transfer-encoding'] === undefined && declared <= RESERVE_UP_TO) {
      // A small body is reserved whole, up front: no stream wrapped around every request.
      if (inFlight + declared > maxBytes) {
        void reply.header('retry-after', '1').header('connection', 'close')
        done(overBudget())
        return
      }
      inFlight += declared
      held = declared
      request.raw.once('close', release)
      reply.raw.once('close', release)
      done(null, payload)
      return
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
