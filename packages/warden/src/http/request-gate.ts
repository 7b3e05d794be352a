import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyInstance } from 'fastify'
import { WardenError } from '../domain/index.js'

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void

/**
 * Stands in front of Fastify's request listener to answer, in the OpenAI shape, the two requests
 * Node or Fastify would otherwise answer with a body of their own: an HTTP/1.1 request without
 * `Host` (400; the server is created with `requireHostHeader: false` so it reaches here) and any
 * request that arrives once the app is closing (503 `service_unavailable`, `Connection: close`).
 */
export function gateRequests(app: FastifyInstance): void {
  const server = app.server
  const [fastifyListener] = server.listeners('request') as RequestListener[]
  if (fastifyListener === undefined) throw new Error('the HTTP server has no request listener')
  let closing = false
  server.removeListener('request', fastifyListener)
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (closing) refuse(request, response, shuttingDown())
    else if (request.headers.host === undefined && isHttp11(request))
      refuse(request, response, missingHost())
    else fastifyListener(request, response)
  })
  app.addHook('preClose', (done) => {
    closing = true
    done()
  })
}

function isHttp11(request: IncomingMessage): boolean {
  return request.httpVersionMajor === 1 && request.httpVersionMinor === 1
}

function shuttingDown(): WardenError {
  return new WardenError(
    'service_unavailable',
    'The server is shutting down; retry on another connection.',
  )
}

function missingHost(): WardenError {
  return new WardenError('invalid_request_error', 'An HTTP/1.1 request must send a Host header.', {
    param: 'host',
  })
}

function refuse(request: IncomingMessage, response: ServerResponse, error: WardenError): void {
  const body = JSON.stringify(error.toBody())
  // Its body is never read: drop it rather than buffer it.
  request.resume()
  response.writeHead(error.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...(error.status === 503 ? { 'retry-after': '1' } : {}),
    connection: 'close',
  })
  response.end(body)
}
