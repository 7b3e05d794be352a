import type { ServerResponse } from 'node:http'
import { once } from 'node:events'
import { jsonTextOf, type JsonObject, type WardenError } from '../domain/index.js'
import { toWardenError } from './errors.js'

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
}

export interface SseOptions {
  readonly requestId: string
  readonly headers: Readonly<Record<string, string>>
  /**
   * `data`: plain `data:` events ending with `data: [DONE]` (chat, completions). `events`: each
   * event named after its `type` field, no `[DONE]` (the Responses API).
   */
  readonly framing: 'data' | 'events'
  /** Told of a failure after the first chunk, which the client sees only as an error event. */
  readonly onFailure: (error: WardenError) => void
}

const LINE_BREAK = /[\r\n]/

/** One event as it goes on the wire. */
function frame(value: JsonObject, framing: SseOptions['framing']): string {
  // A line break inside the upstream's text (JSON may hold one between tokens) would end the
  // `data:` line early: such text is serialized again, onto one line.
  const text = jsonTextOf(value)
  const data = `data: ${LINE_BREAK.test(text) ? JSON.stringify(value) : text}\n\n`
  return framing === 'events' && typeof value.type === 'string'
    ? `event: ${value.type}\n${data}`
    : data
}

/** The event that ends a stream that failed after it started. */
function errorEvent(failure: WardenError, framing: SseOptions['framing']): string {
  const body = failure.toBody()
  return framing === 'events'
    ? frame(
        {
          type: 'error',
          code: body.error.code,
          message: body.error.message,
          param: body.error.param,
        },
        framing,
      )
    : frame({ ...body }, framing)
}

/**
 * Writes a stream of JSON chunks as Server-Sent Events. The caller has already read the first
 * chunk, so a failure before it was still a plain JSON error; a failure after it ends the
 * stream with an `error` event rather than a hang.
 */
export async function writeSse(
  res: ServerResponse,
  iterator: AsyncIterator<JsonObject>,
  first: IteratorResult<JsonObject>,
  options: SseOptions,
): Promise<void> {
  const { framing } = options
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
    res.writeHead(200, { ...SSE_HEADERS, ...options.headers })
    for (let next = first; !next.done; next = await iterator.next()) {
      if (res.destroyed) return
      if (!write(frame(next.value, framing))) {
        // One close listener for the whole stream, not one per wait.
        closed ??= once(res, 'close').then(
          () => undefined,
          () => undefined,
        )
        await Promise.race([once(res, 'drain'), closed])
      }
    }
    res.end(framing === 'data' ? 'data: [DONE]\n\n' : undefined)
  } catch (error) {
    const failure = toWardenError(error, options.requestId)
    options.onFailure(failure)
    if (!res.destroyed) res.end(errorEvent(failure, framing))
  } finally {
    // Stops the upstream read and runs every stage's end-of-stream work.
    await iterator.return?.()
  }
}
