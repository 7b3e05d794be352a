import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { Logger } from 'pino'
import { WardenError } from '../domain/index.js'

/** What Node hands a `clientError` listener: an error, often with a parser or timeout code. */
export type ClientError = Error & { readonly code?: string }

// Node's own check before it answers a client error: once a response has started on this
// socket, raw bytes would corrupt it. `_httpMessage` is the response in flight, if any.
type HttpSocket = Socket & { readonly _httpMessage?: { readonly headersSent: boolean } | null }

/** Maps an error Node raised before a request reached the app to the one error class. */
export function toClientWardenError(error: ClientError): WardenError {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new WardenError(
        'request_timeout',
        'The request was not received in time; send the headers and body without pausing.',
      )
    case 'HPE_HEADER_OVERFLOW':
      return new WardenError(
        'request_header_fields_too_large',
        'The request line and headers are larger than this server accepts.',
      )
    case undefined:
    default:
      return new WardenError('invalid_request_error', 'The request is not valid HTTP/1.1.')
  }
}

/** The bytes of a complete HTTP/1.1 response carrying `error` in the OpenAI shape. */
export function toRawHttpResponse(error: WardenError): string {
  const body = JSON.stringify(error.toBody())
  return [
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? 'Error'}`,
    'content-type: application/json',
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: close',
    '',
    body,
  ].join('\r\n')
}

/**
 * Answers malformed HTTP, oversized headers and request timeouts with an OpenAI-shaped error
 * written straight on the socket (no request object exists yet), then closes the connection.
 */
export function createClientErrorHandler(
  logger: Logger,
): (error: ClientError, socket: Socket) => void {
  return (error, socket) => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return
    const wardenError = toClientWardenError(error)
    logger.debug({ code: wardenError.code, cause: error.code }, 'client error')
    const inFlight = (socket as HttpSocket)._httpMessage
    if (socket.writable && inFlight?.headersSent !== true) {
      socket.write(toRawHttpResponse(wardenError))
    }
    socket.destroy()
  }
}
