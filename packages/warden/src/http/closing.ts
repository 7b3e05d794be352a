import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyInstance } from 'fastify'
import { WardenError } from '../domain/index.js'

/**
 * Once the app starts closing, every request that still arrives (pipelined, or on a connection
 * that was open) gets 503 `service_unavailable` in the OpenAI shape and `Connection: close`.
 * The server's request listener is swapped at `preClose`, so serving costs no check per request.
 */
export function refuseRequestsWhileClosing(app: FastifyInstance): void {
  app.addHook('preClose', (done) => {
    app.server.removeAllListeners('request')
    app.server.on('request', refuse)
    done()
  })
}

function refuse(request: IncomingMessage, response: ServerResponse): void {
  const body = JSON.stringify(
    new WardenError(
      'service_unavailable',
      'The server is shutting down; retry on another connection.',
    ).toBody(),
  )
  // Its body is never read: drop it rather than buffer it.
  request.resume()
  response.writeHead(503, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'retry-after': '1',
    connection: 'close',
  })
  response.end(body)
}
