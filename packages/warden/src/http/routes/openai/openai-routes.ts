import { performance } from 'node:perf_hooks'
import type { Readable } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { jsonTextOf, type Endpoint } from '../../../domain/index.js'
import { createExchange, type Pipeline } from '../../../pipeline/index.js'
import { bearerToken } from '../../bearer.js'
import { declaresBody, readJsonBody } from '../../read-body.js'
import { writeSse } from '../../sse.js'

export interface OpenAiRouteDeps {
  readonly pipeline: Pipeline
  readonly now: () => number
  readonly bodyLimitBytes: number
}

/** Where a route's request body comes from: the upload, or something the route already has. */
type BodySource = (request: FastifyRequest) => (() => Promise<unknown>) | null

/**
 * The OpenAI-compatible surface: every route builds an exchange and runs its endpoint's stages.
 * Bodies are not parsed by the framework: the pipeline reads one only after the key checks out,
 * so a stranger's upload is answered 401 from its headers and never read.
 */
export function registerOpenAiRoutes(app: FastifyInstance, deps: OpenAiRouteDeps): void {
  const handle =
    (endpoint: Endpoint, bodyOf: BodySource = () => null) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const controller = new AbortController()
      const res = reply.raw
      res.once('close', () => {
        if (!res.writableFinished) controller.abort()
      })
      let bodyRead = false
      const given = bodyOf(request)
      const x = createExchange({
        requestId: request.id,
        at: deps.now(),
        startedAt: performance.now(),
        endpoint,
        apiKey: bearerToken(request.headers.authorization),
        clientAddress: request.ip,
        userAgent: request.headers['user-agent'],
        signal: controller.signal,
        readBody:
          given ??
          (() => {
            bodyRead = true
            return readJsonBody(
              request.raw,
              request.body as Readable | undefined,
              deps.bodyLimitBytes,
            )
          }),
      })
      try {
        await deps.pipeline.run(x)
      } catch (error) {
        // A refusal after the limits were taken still says where the request stands.
        if (x.responseHeaders !== null) void reply.headers(x.responseHeaders)
        // Answered without reading the upload: the connection cannot be reused.
        if (!bodyRead && given === null && declaresBody(request.raw)) {
          void reply.header('connection', 'close')
        }
        throw error
      }
      const output = x.output
      if (output?.kind === 'stream') {
        const iterator = output.chunks[Symbol.asyncIterator]()
        // A failure before the first chunk is still an ordinary JSON error with its status.
        const first = await iterator.next()
        reply.hijack()
        await writeSse(res, iterator, first, {
          requestId: request.id,
          headers:
            x.responseHeaders === null
              ? { 'x-request-id': request.id }
              : { ...x.responseHeaders, 'x-request-id': request.id },
          framing: output.framing ?? 'data',
          onFailure: (failure) => {
            if (failure.code === 'request_cancelled') return
            const detail = {
              requestId: request.id,
              code: failure.code,
              err: failure.code === 'internal_error' ? failure.cause : undefined,
            }
            request.log[failure.code === 'internal_error' ? 'error' : 'warn'](
              detail,
              `stream ended early: ${failure.message}`,
            )
          },
        })
        return reply
      }
      if (x.responseHeaders !== null) void reply.headers(x.responseHeaders)
      // An upstream answer passed on unchanged goes out as the text it came in.
      return reply
        .header('x-request-id', request.id)
        .type('application/json; charset=utf-8')
        .send(jsonTextOf(output?.body ?? {}))
    }

  const noBody: BodySource = () => () => Promise.resolve(null)

  void app.register((v1, _options, done) => {
    // The body stays an unread stream until the pipeline asks for it (see `readJsonBody`).
    v1.removeAllContentTypeParsers()
    v1.addContentTypeParser('*', (_request, payload, parsed) => parsed(null, payload))

    v1.post('/v1/chat/completions', handle('chat'))
    v1.post('/v1/completions', handle('completions'))
    v1.post('/v1/embeddings', handle('embeddings'))
    v1.post('/v1/responses', handle('responses'))
    v1.post('/v1/moderations', handle('moderations'))
    v1.get('/v1/models', handle('models', noBody))
    // Model ids may hold slashes (`meta-llama/Llama-3.1-8B-Instruct`), hence the wildcard.
    v1.get<{ Params: { '*': string } }>(
      '/v1/models/*',
      handle('models', (request) => {
        const model = (request.params as { '*': string })['*']
        return () => Promise.resolve({ model })
      }),
    )
    done()
  })
}
