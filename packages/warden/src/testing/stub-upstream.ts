import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A stand-in for a model server: a real HTTP server on an ephemeral loopback port that speaks
 * the OpenAI wire format. It exists because no real upstream model can run here; tests and
 * the benchmark script what it does per request.
 */

/** Token counts the stub reports; `null` leaves `usage` out, as some upstreams do. */
export interface StubUsage {
  readonly prompt_tokens: number
  readonly completion_tokens: number
}

/** What the stub does with one request. */
export type StubBehavior =
  | {
      readonly kind: 'reply'
      /** The assistant text; streamed one word per chunk. */
      readonly content?: string
      readonly usage?: StubUsage | null
      /** Wait before the response headers. */
      readonly delayMs?: number
      /** Wait between stream chunks. */
      readonly chunkDelayMs?: number
      /** Answer a stream request with one plain JSON completion, as some servers do. */
      readonly ignoreStream?: boolean
      /** Send a plain answer's body a few bytes at a time, this many ms apart. */
      readonly trickleMs?: number
    }
  | {
      readonly kind: 'status'
      readonly status: number
      readonly body?: unknown
      readonly delayMs?: number
    }
  /** Destroy the socket before any response. */
  | { readonly kind: 'reset' }
  /** Stream `afterChunks` chunks, then destroy the socket. */
  | { readonly kind: 'reset-mid-stream'; readonly afterChunks: number }
  /** Stream `afterChunks` good chunks, then one that is not JSON. */
  | { readonly kind: 'malformed-chunk'; readonly afterChunks: number }
  /** Never answer (until the client gives up). */
  | { readonly kind: 'hang' }

/** One request the stub received. */
export interface StubRequest {
  readonly method: string
  readonly path: string
  readonly headers: IncomingMessage['headers']
  readonly body: Record<string, unknown> | null
}

export interface StubUpstream {
  /** Base URL with the version path, as a provider's `baseUrl`: `http://127.0.0.1:PORT/v1`. */
  readonly url: string
  /** Every request received, oldest first. */
  readonly requests: StubRequest[]
  /** The behavior for every request not covered by `enqueue`. */
  setDefault(behavior: StubBehavior): void
  /** Behaviors for the next requests, one each, before the default applies again. */
  enqueue(...behaviors: StubBehavior[]): void
  /** Requests whose client went away before the stub finished answering. */
  readonly aborted: number
  close(): Promise<void>
}

export interface StubUpstreamOptions {
  readonly models?: readonly string[]
  /** Record request bodies (off for the benchmark). */
  readonly record?: boolean
  readonly port?: number
}

const DEFAULT_REPLY: StubBehavior = { kind: 'reply', content: 'Hello from the stub upstream.' }
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = []
    req.on('data', (part: Buffer) => parts.push(part))
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')))
    req.on('error', reject)
  })
}

function words(content: string): string[] {
  return content.split(/(?<= )/)
}

/** Writes a JSON body a few bytes at a time: an upstream that trickles its answer. */
async function trickle(res: ServerResponse, text: string, everyMs: number): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/json' })
  for (let i = 0; i < text.length && !res.destroyed; i += 8) {
    res.write(text.slice(i, i + 8))
    await sleep(everyMs)
  }
  res.end()
}

/** A native Responses API answer (`/v1/responses`): a Response object, or its typed events. */
async function answerResponses(
  res: ServerResponse,
  body: Record<string, unknown> | null,
  behavior: StubBehavior,
  id: string,
  model: string,
): Promise<void> {
  const content =
    (behavior.kind === 'reply' ? behavior.content : undefined) ?? 'Hello from the stub upstream.'
  const item = {
    id: `msg_${id}`,
    type: 'message',
    role: 'assistant',
    status: 'completed',
    content: [{ type: 'output_text', text: content, annotations: [] }],
  }
  const response = (status: string, output: unknown[]) => ({
    id: `resp_${id}`,
    object: 'response',
    created_at: 0,
    status,
    model,
    output,
    usage: {
      input_tokens: 9,
      output_tokens: words(content).length,
      total_tokens: 9 + words(content).length,
    },
  })
  if (body?.stream !== true) {
    const text = JSON.stringify(response('completed', [item]))
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
    })
    res.end(text)
    return
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' })
  let sequence = 0
  const send = (event: Record<string, unknown>) =>
    res.write(
      `event: ${String(event.type)}\ndata: ${JSON.stringify({ ...event, sequence_number: sequence++ })}\n\n`,
    )
  send({ type: 'response.created', response: response('in_progress', []) })
  for (const part of words(content)) {
    send({
      type: 'response.output_text.delta',
      item_id: item.id,
      output_index: 0,
      content_index: 0,
      delta: part,
    })
    if (behavior.kind === 'reply' && behavior.chunkDelayMs) await sleep(behavior.chunkDelayMs)
  }
  send({ type: 'response.completed', response: response('completed', [item]) })
  res.end()
}

/** Starts the stub on 127.0.0.1 and resolves once it listens. */
export async function startStubUpstream(options: StubUpstreamOptions = {}): Promise<StubUpstream> {
  const models = options.models ?? ['stub-model', 'stub-embedder']
  const record = options.record ?? true
  const requests: StubRequest[] = []
  const queue: StubBehavior[] = []
  let fallback: StubBehavior = DEFAULT_REPLY
  let aborted = 0
  let counter = 0

  const json = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body)
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
    })
    res.end(text)
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    const raw = req.method === 'POST' ? await readBody(req) : ''
    let body: Record<string, unknown> | null = null
    if (raw) {
      try {
        body = JSON.parse(raw) as Record<string, unknown>
      } catch {
        json(res, 400, {
          error: { message: 'stub: body is not JSON', type: 'invalid_request_error' },
        })
        return
      }
    }
    if (record) requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body })
    res.on('close', () => {
      if (!res.writableFinished) aborted += 1
    })

    if (req.method === 'GET' && path === '/v1/models') {
      json(res, 200, {
        object: 'list',
        data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'stub' })),
      })
      return
    }
    const behavior = queue.shift() ?? fallback
    if (behavior.kind === 'hang') return
    if (behavior.kind === 'reset') {
      req.socket.destroy()
      return
    }
    if (behavior.kind === 'status') {
      if (behavior.delayMs) await sleep(behavior.delayMs)
      json(
        res,
        behavior.status,
        behavior.body ?? {
          error: { message: `stub status ${behavior.status}`, type: 'server_error' },
        },
      )
      return
    }
    const model = typeof body?.model === 'string' ? body.model : 'stub-model'
    counter += 1
    const id = `stub-${counter}`
    if (path === '/v1/embeddings') {
      const inputs = Array.isArray(body?.input) ? body.input : [body?.input]
      json(res, 200, {
        object: 'list',
        model,
        data: inputs.map((_, index) => {
          const vector = [0.1, 0.2, 0.3, index]
          // The official client asks for base64 (little-endian float32) by default.
          const embedding =
            body?.encoding_format === 'base64'
              ? Buffer.from(new Float32Array(vector).buffer).toString('base64')
              : vector
          return { object: 'embedding', index, embedding }
        }),
        usage: { prompt_tokens: inputs.length * 3, total_tokens: inputs.length * 3 },
      })
      return
    }
    if (path === '/v1/responses') {
      await answerResponses(res, body, behavior, id, model)
      return
    }
    if (path !== '/v1/chat/completions' && path !== '/v1/completions') {
      json(res, 404, {
        error: { message: `stub: no route ${path}`, type: 'invalid_request_error' },
      })
      return
    }
    const chat = path === '/v1/chat/completions'
    const reply = behavior.kind === 'reply' ? behavior : DEFAULT_REPLY
    if (reply.kind === 'reply' && reply.delayMs) await sleep(reply.delayMs)
    const content =
      (reply.kind === 'reply' ? reply.content : undefined) ?? 'Hello from the stub upstream.'
    const parts = words(content)
    const stubUsage =
      reply.kind === 'reply' && reply.usage !== undefined
        ? reply.usage
        : { prompt_tokens: 7, completion_tokens: parts.length }
    const usage = stubUsage && {
      ...stubUsage,
      total_tokens: stubUsage.prompt_tokens + stubUsage.completion_tokens,
    }

    if (body?.stream !== true || (reply.kind === 'reply' && reply.ignoreStream === true)) {
      const answer = {
        id,
        object: chat ? 'chat.completion' : 'text_completion',
        created: 0,
        model,
        choices: [
          chat
            ? { index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }
            : { index: 0, text: content, finish_reason: 'stop' },
        ],
        ...(usage ? { usage } : {}),
      }
      if (reply.kind === 'reply' && reply.trickleMs !== undefined) {
        await trickle(res, JSON.stringify(answer), reply.trickleMs)
      } else {
        json(res, 200, answer)
      }
      return
    }

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    const object = chat ? 'chat.completion.chunk' : 'text_completion'
    const chunk = (choice: Record<string, unknown>) =>
      `data: ${JSON.stringify({ id, object, created: 0, model, choices: [choice] })}\n\n`
    const chunkDelay = reply.kind === 'reply' ? (reply.chunkDelayMs ?? 0) : 0
    for (let i = 0; i < parts.length; i += 1) {
      if (
        (behavior.kind === 'reset-mid-stream' || behavior.kind === 'malformed-chunk') &&
        i === behavior.afterChunks
      ) {
        if (behavior.kind === 'reset-mid-stream') {
          // Let the chunks already written reach the client before the reset.
          await sleep(20)
          req.socket.destroy()
        } else {
          res.end('data: {"this is": not json\n\n')
        }
        return
      }
      const text = parts[i] ?? ''
      res.write(
        chunk(
          chat
            ? {
                index: 0,
                delta: i === 0 ? { role: 'assistant', content: text } : { content: text },
                finish_reason: null,
              }
            : { index: 0, text, finish_reason: null },
        ),
      )
      if (chunkDelay) await sleep(chunkDelay)
      if (res.destroyed) return
    }
    res.write(
      chunk(
        chat
          ? { index: 0, delta: {}, finish_reason: 'stop' }
          : { index: 0, text: '', finish_reason: 'stop' },
      ),
    )
    const includeUsage =
      (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true
    if (usage && includeUsage)
      res.write(
        `data: ${JSON.stringify({ id, object, created: 0, model, choices: [], usage })}\n\n`,
      )
    res.end('data: [DONE]\n\n')
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy())
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    setDefault(behavior) {
      fallback = behavior
    },
    enqueue(...behaviors) {
      queue.push(...behaviors)
    },
    get aborted() {
      return aborted
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
