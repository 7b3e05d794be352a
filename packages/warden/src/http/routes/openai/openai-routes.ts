import { performance } from 'node:perf_hooks'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Endpoint } from '../../../domain/index.js'
import type { Exchange } from '../../../pipeline/index.js'
import { writeSse } from '../../sse.js'

export interface OpenAiRouteDeps {
  readonly runPipeline: (x: Exchange) => Promise<void>
  readonly now: () => number
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  if (header === undefined) return undefined
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  return match?.[1] ?? ''
}

/** The OpenAI-compatible surface: every route builds an exchange and runs the one pipeline. */
export function registerOpenAiRoutes(app: FastifyInstance, deps: OpenAiRouteDeps): void {
  const handle =
    (
      endpoint: Endpoint,
      bodyOf: (request: FastifyRequest) => unknown = (request) => request.body,
    ) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const controller = new AbortController()
      const res = reply.raw
      res.once('close', () => {
        if (!res.writableFinished) controller.abort()
      })
      const x: Exchange = {
        requestId: request.id,
        at: deps.now(),
        startedAt: performance.now(),
        endpoint,
        rawBody: bodyOf(request),
        apiKey: bearer(request),
        signal: controller.signal,
        usage: { promptTokens: 0, completionTokens: 0, source: 'none' },
        upstreamMs: 0,
      }
      await deps.runPipeline(x)
      const output = x.output
      if (output?.kind === 'stream') {
        const iterator = output.chunks[Symbol.asyncIterator]()
        // A failure before the first chunk is still an ordinary JSON error with its status.
        const first = await iterator.next()
        reply.hijack()
        await writeSse(
          res,
          iterator,
          first,
          request.id,
          { 'x-request-id': request.id },
          (failure) => {
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
        )
        return reply
      }
      return reply.header('x-request-id', request.id).send(output?.body ?? {})
    }

  app.post('/v1/chat/completions', handle('chat'))
  app.post('/v1/completions', handle('completions'))
  app.post('/v1/embeddings', handle('embeddings'))
  app.get(
    '/v1/models',
    handle('models', () => null),
  )
  // Model ids may hold slashes (`meta-llama/Llama-3.1-8B-Instruct`), hence the wildcard.
  app.get<{ Params: { '*': string } }>(
    '/v1/models/*',
    handle('models', (request) => ({ model: (request.params as { '*': string })['*'] })),
  )
}
