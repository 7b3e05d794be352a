import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One request a test server received. */
export interface ReceivedRequest {
  readonly method: string
  readonly path: string
  readonly headers: IncomingHttpHeaders
  /** The raw body, as the client sent it (a signature covers these bytes). */
  readonly body: string
}

/** A real HTTP server on a free local port, for classifiers that call out. */
export interface JsonTestServer {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string
  /** Every request so far, oldest first. */
  readonly received: readonly ReceivedRequest[]
  close(): Promise<void>
}

/** Answers one request; may write anything, slowly or never. */
export type TestHandler = (request: ReceivedRequest, response: ServerResponse) => void

/** Answers `status` with a JSON body. */
export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  })
  response.end(text)
}

/**
 * Starts a server on port 0 that reads each request whole and hands it to `handler`. Closing it
 * drops open connections too, so a test whose handler never answered still ends.
 */
export async function startJsonServer(handler: TestHandler): Promise<JsonTestServer> {
  const received: ReceivedRequest[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const request = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      }
      received.push(request)
      handler(request, res)
    })
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections()
        server.close(() => done())
      }),
  }
}
