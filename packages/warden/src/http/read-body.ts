import type { IncomingMessage } from 'node:http'
import type { Readable } from 'node:stream'
import { WardenError } from '../domain/index.js'
import { decodeJsonBody } from './json-body.js'

/** True when the request declares a body (a length above zero, or chunked). */
export function declaresBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length']
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined
}

function isJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false
  const type = contentType.split(';', 1)[0]?.trim().toLowerCase() ?? ''
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'))
}

// The connection is closed after these answers: the rest of an upload is never read.
const CLOSE = { connection: 'close' } as const

function tooLarge(limit: number): WardenError {
  return new WardenError(
    'request_too_large',
    `The request body is larger than this server accepts (${limit} bytes).`,
    { headers: CLOSE },
  )
}

function asReadError(error: unknown): WardenError {
  return error instanceof WardenError
    ? error
    : new WardenError('request_cancelled', 'The client closed the request.')
}

/** Reads a stream to its end, refusing more than `limit` bytes as soon as they arrive. */
function readAll(stream: Readable, limit: number): Promise<Buffer> {
  // The stream may have failed while the key was being checked (the body budget refuses as
  // bytes arrive): its events are gone, so ask it.
  if (stream.errored) return Promise.reject(asReadError(stream.errored))
  if (stream.destroyed) return Promise.reject(asReadError(null))
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = []
    let size = 0
    const cleanup = () => {
      stream.off('data', onData)
      stream.off('end', onEnd)
      stream.off('error', onError)
      stream.off('close', onClose)
    }
    const fail = (error: WardenError) => {
      cleanup()
      stream.pause()
      reject(error)
    }
    const onData = (part: Buffer) => {
      size += part.length
      if (size > limit) fail(tooLarge(limit))
      else parts.push(part)
    }
    const onEnd = () => {
      cleanup()
      resolve(parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size))
    }
    const onError = (error: unknown) => fail(asReadError(error))
    const onClose = () => onError(null)
    stream.on('data', onData)
    stream.once('end', onEnd)
    stream.once('error', onError)
    stream.once('close', onClose)
  })
}

/**
 * Reads and decodes one JSON request body: `application/json` only, at most `limit` bytes
 * (a declared length above it is refused before a byte is read), strict UTF-8 and JSON.
 */
export async function readJsonBody(
  req: IncomingMessage,
  payload: Readable | undefined,
  limit: number,
): Promise<unknown> {
  if (!isJson(req.headers['content-type'])) {
    throw new WardenError(
      'invalid_request_error',
      'Send the body as JSON with "Content-Type: application/json".',
      { headers: declaresBody(req) ? CLOSE : {} },
    )
  }
  const declared = Number(req.headers['content-length'])
  if (declared > limit) throw tooLarge(limit)
  // The framework hands no stream for a request without a body.
  return decodeJsonBody(payload ? await readAll(payload, limit) : Buffer.alloc(0))
}
