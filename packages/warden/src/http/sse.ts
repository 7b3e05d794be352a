import type { ServerResponse } from 'node:http'
import { once } from 'node:events'
import type { JsonObject, WardenError } from '../domain/index.js'
import { toWardenError } from './errors.js'

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
}

/**
 * Writes a stream of JSON chunks as Server-Sent Events, ending with `data: [DONE]`. The caller
 * has already read the first chunk, so a failure before it was still a plain JSON error; a
 * failure after it ends the stream with an `error` event rather than a hang.
 */
export async function writeSse(
  res: ServerResponse,
  iterator: AsyncIterator<JsonObject>,
  first: IteratorResult<JsonObject>,
  requestId: string,
  headers: Readonly<Record<string, string>>,
  /** Told of a failure after the first chunk, which the client sees only as an error event. */
  onFailure: (error: WardenError) => void,
): Promise<void> {
  // Events that arrive together (one network read from the upstream often holds several)
  // leave in one write: the response is corked until the end of this turn of the event loop.
  let closed: Promise<void> | undefined
  let corked = false
  const uncork = () => {
    corked = false
    res.uncork()
  }
  const write = (text: string): boolean => {
    if (!corked) {
      corked = true
      res.cork()
      setImmediate(uncork)
    }
    return res.write(text)
  }
  try {
    if (res.destroyed) return
    res.writeHead(200, { ...SSE_HEADERS, ...headers })
    for (let next = first; !next.done; next = await iterator.next()) {
      if (res.destroyed) return
      if (!write(`data: ${JSON.stringify(next.value)}\n\n`)) {
        // One close listener for the whole stream, not one per wait.
        closed ??= once(res, 'close').then(
          () => undefined,
          () => undefined,
        )
        await Promise.race([once(res, 'drain'), closed])
      }
    }
    res.end('data: [DONE]\n\n')
  } catch (error) {
    const failure = toWardenError(error, requestId)
    onFailure(failure)
    if (!res.destroyed) res.end(`data: ${JSON.stringify(failure.toBody())}\n\n`)
  } finally {
    // Stops the upstream read and runs every stage's end-of-stream work.
    await iterator.return?.()
  }
}
