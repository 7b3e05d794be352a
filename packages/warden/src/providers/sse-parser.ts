import { StringDecoder } from 'node:string_decoder'
import { parsedFrom, WardenError } from '../domain/index.js'

export interface SseSource {
  /** The response body: bytes as they arrive. */
  readonly body: AsyncIterable<Buffer | string>
  /** Turns a transport failure (a reset, a timeout) into the error the client should see. */
  readonly mapError: (error: unknown) => unknown
  /**
   * Runs once the stream is over, however it ended: `complete` when the answer came to its
   * end (`[DONE]`, or the end of the body), false when it failed or its reader left early.
   */
  readonly release: (complete: boolean) => void
}

/**
 * Reads a Server-Sent Events byte stream from an upstream and yields each `data:` payload
 * parsed as JSON, until `[DONE]` or the end of the stream. A payload that is not JSON, or an
 * upstream `error` payload, ends the stream with an `upstream_error`.
 */
export async function* parseSseJson<T>(source: SseSource): AsyncGenerator<T> {
  // A multi-byte character may be split across two network reads.
  const decoder = new StringDecoder('utf8')
  let buffer = ''
  let complete = false
  try {
    for await (const piece of source.body) {
      buffer += typeof piece === 'string' ? piece : decoder.write(piece)
      let boundary = findBoundary(buffer)
      while (boundary !== null) {
        const event = buffer.slice(0, boundary.index)
        buffer = buffer.slice(boundary.index + boundary.length)
        const data = dataOf(event)
        // The answer is complete: whatever the upstream still sends (or never sends, holding
        // the connection open) is the source's `release` to deal with, not the client's wait.
        if (data === '[DONE]') {
          complete = true
          return
        }
        if (data !== null) yield parsePayload<T>(data)
        boundary = findBoundary(buffer)
      }
    }
    const data = dataOf(buffer + decoder.end())
    if (data !== null && data !== '[DONE]') yield parsePayload<T>(data)
    complete = true
  } catch (error) {
    throw source.mapError(error)
  } finally {
    source.release(complete)
  }
}

function findBoundary(buffer: string): { index: number; length: number } | null {
  const lf = buffer.indexOf('\n\n')
  const crlf = buffer.indexOf('\r\n\r\n')
  if (lf === -1 && crlf === -1) return null
  if (crlf !== -1 && (lf === -1 || crlf < lf)) return { index: crlf, length: 4 }
  return { index: lf, length: 2 }
}

/** The joined `data:` lines of one event, or null for an event without data (a comment). */
function dataOf(event: string): string | null {
  let data: string | null = null
  for (const line of event.split(/\r?\n/)) {
    if (!line.startsWith('data:')) continue
    const value = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5)
    data = data === null ? value : `${data}\n${value}`
  }
  return data
}

function parsePayload<T>(data: string): T {
  let value: unknown
  try {
    value = JSON.parse(data)
  } catch {
    throw new WardenError('upstream_error', 'The upstream sent a malformed stream chunk.')
  }
  if (typeof value !== 'object' || value === null) {
    throw new WardenError('upstream_error', 'The upstream sent a malformed stream chunk.')
  }
  if ('error' in value && !('choices' in value)) {
    throw new WardenError('upstream_error', 'The upstream reported an error during the stream.')
  }
  return parsedFrom(value, data) as T
}
