import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { writeAnswer } from './answer-writer.js'

/** The model the simulated upstream serves. */
export const SIMULATED_MODEL = 'sim-model'

/** A stand-in model server for `warden simulate`, on a loopback port. */
export interface SimulatedUpstream {
  /** Its OpenAI base URL (`http://127.0.0.1:PORT/v1`), as a provider's `baseUrl`. */
  readonly url: string
  /** Chat completions answered. */
  readonly answered: () => number
  close(): Promise<void>
}

/** Words, roughly as a tokenizer would count them, for the `usage` the upstream reports. */
const tokensOf = (text: string) => Math.ceil(text.split(/\s+/).length * 1.3)

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = []
    req.on('data', (part: Buffer) => parts.push(part))
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')))
    req.on('error', reject)
  })
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  })
  res.end(text)
}

/** The newest user message's text in a chat request body, or ''. */
function lastUserText(body: unknown): string {
  if (typeof body !== 'object' || body === null || !('messages' in body)) return ''
  const { messages } = body
  if (!Array.isArray(messages)) return ''
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const message: unknown = messages[i]
    if (typeof message !== 'object' || message === null) continue
    if ('role' in message && message.role === 'user' && 'content' in message) {
      return typeof message.content === 'string' ? message.content : ''
    }
  }
  return ''
}

/**
 * Starts a small OpenAI-compatible chat server whose answers are written from the prompt (see
 * {@link writeAnswer}): plain or streamed, with `usage`. It is the simulation's own, since the
 * stub upstream of the tests is not part of the built command.
 */
export async function startSimulatedUpstream(): Promise<SimulatedUpstream> {
  let answered = 0
  let counter = 0

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method === 'GET' && path === '/v1/models') {
      sendJson(res, 200, {
        object: 'list',
        data: [{ id: SIMULATED_MODEL, object: 'model', created: 0, owned_by: 'simulation' }],
      })
      return
    }
    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      sendJson(res, 404, { error: { message: 'no such route', type: 'invalid_request_error' } })
      return
    }
    let body: unknown
    try {
      body = JSON.parse(await readBody(req))
    } catch {
      sendJson(res, 400, { error: { message: 'body is not JSON', type: 'invalid_request_error' } })
      return
    }
    const prompt = lastUserText(body)
    const content = writeAnswer(prompt)
    counter += 1
    answered += 1
    const id = `chatcmpl-sim-${counter}`
    const usage = {
      prompt_tokens: tokensOf(prompt) + 20,
      completion_tokens: tokensOf(content),
      total_tokens: tokensOf(prompt) + 20 + tokensOf(content),
    }
    const stream =
      typeof body === 'object' && body !== null && 'stream' in body && body.stream === true
    if (!stream) {
      sendJson(res, 200, {
        id,
        object: 'chat.completion',
        created: 0,
        model: SIMULATED_MODEL,
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage,
      })
      return
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    const chunk = (delta: Record<string, unknown>, finish: string | null, extra = {}) =>
      `data: ${JSON.stringify({
        id,
        object: 'chat.completion.chunk',
        created: 0,
        model: SIMULATED_MODEL,
        choices: [{ index: 0, delta, finish_reason: finish }],
        ...extra,
      })}\n\n`
    const words = content.split(/(?<= )/)
    let out = chunk({ role: 'assistant', content: '' }, null)
    // A few words a chunk, as models stream: enough chunks to exercise the output window.
    for (let i = 0; i < words.length; i += 4) {
      out += chunk({ content: words.slice(i, i + 4).join('') }, null)
    }
    out += chunk({}, 'stop', { usage })
    res.end(`${out}data: [DONE]\n\n`)
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: 'simulated upstream failed' } })
      else res.destroy()
    })
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/v1`,
    answered: () => answered,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
