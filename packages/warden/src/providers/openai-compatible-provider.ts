import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { Pool, type Dispatcher } from 'undici'
import { z } from 'zod'
import { secretString, SecretUnavailableError, type Secret } from '../config/index.js'
import {
  parsedFrom,
  WardenError,
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  type JsonObject,
} from '../domain/index.js'
import type { Provider, ProviderCall, ProviderKind } from './provider.js'
import { respondViaChat, streamViaChat } from './responses/responses-call.js'
import { createDeadlineSweeper } from './deadline-sweeper.js'
import { jsonAsStream } from './json-as-stream.js'
import { parseSseJson } from './sse-parser.js'

const RETRYABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
])
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])

type Body = Dispatcher.ResponseData['body']

const positiveInt = z.coerce.number().int().positive()

/** The settings of one upstream that speaks the OpenAI wire format. */
export const openAiCompatibleOptions = z.object({
  /** Base URL including the version path, e.g. `https://api.openai.com/v1`. */
  baseUrl: z.url({ protocol: /^https?$/ }),
  /** The upstream credential: a secret reference (`env:NAME`, `file:PATH`) or a literal. */
  apiKey: secretString().optional(),
  /** Whole-request deadline for a non-streamed call, and time to first byte for a stream. */
  timeoutMs: positiveInt.default(60_000),
  /** Longest silence allowed between two chunks of a stream. */
  streamIdleTimeoutMs: positiveInt.default(60_000),
  connectTimeoutMs: positiveInt.default(5_000),
  /** Retries of connect errors and 5xx answers, only before any byte reached the client. */
  maxRetries: z.coerce.number().int().min(0).max(10).default(2),
  retryBackoffMs: z.coerce.number().int().min(0).default(100),
  /** Keep-alive connections kept open to this upstream. */
  connections: positiveInt.default(128),
  /** Extra headers sent upstream; values may be secret references. */
  headers: z.record(z.string(), secretString()).default({}),
  /**
   * `translate`: the Responses API is answered through the upstream's chat completions.
   * `native`: forwarded to the upstream's own `/responses` (OpenAI, and servers that speak it).
   */
  responses: z.enum(['translate', 'native']).default('translate'),
})

/** The validated options of an OpenAI-compatible upstream. */
export type OpenAiCompatibleOptions = z.output<typeof openAiCompatibleOptions>

/** `kind: openai-compatible`: OpenAI, Ollama, vLLM, llama.cpp's server, LiteLLM, … */
export const openAiCompatibleProviderKind: ProviderKind<typeof openAiCompatibleOptions.shape> = {
  kind: 'openai-compatible',
  options: openAiCompatibleOptions,
  create: (id, options) => createOpenAiCompatibleProvider(id, options),
}

/**
 * A provider for any upstream that speaks the OpenAI wire format: OpenAI, Ollama, vLLM,
 * llama.cpp's server, LiteLLM, … Calls go through one keep-alive undici pool per upstream.
 * Credentials are revealed on the first call, so a missing one fails that upstream's calls only.
 */
export function createOpenAiCompatibleProvider(
  id: string,
  config: OpenAiCompatibleOptions,
): Provider {
  const base = new URL(config.baseUrl)
  const basePath = base.pathname.replace(/\/+$/, '')
  const pool = new Pool(base.origin, {
    connections: config.connections,
    connectTimeout: config.connectTimeoutMs,
    keepAliveTimeout: 30_000,
    pipelining: 1,
  })
  // Plain calls' whole-answer deadlines, at a tenth of the timeout's resolution.
  const deadlines = createDeadlineSweeper(Math.max(10, Math.min(250, config.timeoutMs / 10)))
  let credentials: { headers: Record<string, string>; secrets: string[] } | undefined

  /** The request headers; secrets are revealed on first use (each `Secret` caches its value). */
  function upstreamHeaders(): Record<string, string> {
    credentials ??= revealCredentials(id, config)
    return credentials.headers
  }

  /** Removes anything that looks like a credential from upstream text before it is shown. */
  function redact(text: string): string {
    let out = text
    for (const secret of credentials?.secrets ?? []) out = out.split(secret).join('[redacted]')
    return out.replace(/\b(sk|rk|pk)-[A-Za-z0-9_-]{6,}/g, '[redacted]').slice(0, 1000)
  }

  function errorFromStatus(status: number, text: string): WardenError {
    let message = ''
    let param: string | null = null
    try {
      const parsed = JSON.parse(text) as {
        error?: { message?: unknown; param?: unknown } | string
        message?: unknown
      }
      const error = parsed.error
      if (typeof error === 'string') message = error
      else if (error && typeof error.message === 'string') message = error.message
      else if (typeof parsed.message === 'string') message = parsed.message
      if (error && typeof error === 'object' && typeof error.param === 'string') param = error.param
    } catch {
      message = ''
    }
    const said = message ? `: ${redact(message)}` : ''
    if (status === 401 || status === 403) {
      return new WardenError(
        'upstream_error',
        `The upstream "${id}" refused Warden's credentials (status ${status}).`,
      )
    }
    if (status === 404)
      return new WardenError('model_not_found', `The upstream "${id}" answered 404${said}`, {
        param: 'model',
      })
    if (status === 408)
      return new WardenError('upstream_timeout', `The upstream "${id}" timed out.`)
    if (status === 413)
      return new WardenError(
        'request_too_large',
        `The upstream "${id}" refused the request as too large.`,
      )
    if (status === 429)
      return new WardenError(
        'upstream_rate_limited',
        // The upstream's own text names the operator's account and limits: not for tenants.
        `The upstream "${id}" is rate limiting requests; try again shortly.`,
      )
    if (status < 500)
      return new WardenError(
        'upstream_rejected',
        `The upstream "${id}" rejected the request${said}`,
        { param },
      )
    return new WardenError('upstream_error', `The upstream "${id}" failed with status ${status}.`)
  }

  /**
   * Sends one call, retrying connect errors and 5xx with backoff; resolves with the body of a
   * 2xx. Deadlines are undici's own (time to headers, silence between chunks) and cancellation
   * is the caller's signal: no timer or controller of our own per call.
   */
  async function open(
    method: 'GET' | 'POST',
    path: string,
    payload: string | null,
    signal: AbortSignal,
  ): Promise<{ readonly body: Body; readonly json: boolean }> {
    for (let attempt = 0; ; attempt += 1) {
      if (signal.aborted) throw cancelled()
      try {
        const res = await pool.request({
          method,
          path: basePath + path,
          headers: upstreamHeaders(),
          body: payload,
          signal,
          headersTimeout: config.timeoutMs,
          bodyTimeout: config.streamIdleTimeoutMs,
        })
        if (res.statusCode < 300) {
          const type = res.headers['content-type']
          return { body: res.body, json: typeof type === 'string' && type.includes('json') }
        }
        const text = await res.body.text().catch(() => '')
        const failure = errorFromStatus(res.statusCode, text)
        if (res.statusCode < 500 || attempt >= config.maxRetries) throw failure
      } catch (error) {
        const failure = toWardenError(error, signal)
        const code = (error as { code?: string }).code
        if (!(code !== undefined && RETRYABLE_CODES.has(code)) || attempt >= config.maxRetries) {
          throw failure
        }
      }
      // The backoff ends early, as a cancellation, when the client goes away.
      await sleep(config.retryBackoffMs * 2 ** attempt, undefined, { signal }).catch(() => {
        throw cancelled()
      })
    }
  }

  function cancelled(): WardenError {
    return new WardenError('request_cancelled', 'The client closed the request.')
  }

  function toWardenError(error: unknown, signal: AbortSignal): WardenError {
    if (error instanceof WardenError) return error
    if (signal.aborted) return cancelled()
    const code = (error as { code?: string }).code
    if (code !== undefined && TIMEOUT_CODES.has(code)) {
      return new WardenError('upstream_timeout', `The upstream "${id}" did not answer in time.`, {
        cause: error,
      })
    }
    return new WardenError('upstream_error', `The upstream "${id}" could not be reached.`, {
      cause: error,
    })
  }

  /**
   * Reads a whole JSON answer, within what is left of the call's `timeoutMs`: undici's own
   * deadlines time the headers and the silences, so an upstream that trickles its body would
   * otherwise hold a plain call far past it.
   */
  async function readJson(body: Body, startedAt: number, signal: AbortSignal): Promise<unknown> {
    const unwatch = deadlines.watch(startedAt + config.timeoutMs, () =>
      body.destroy(
        new WardenError('upstream_timeout', `The upstream "${id}" did not finish in time.`),
      ),
    )
    let text: string
    try {
      text = await body.text()
    } catch (error) {
      throw toWardenError(error, signal)
    } finally {
      unwatch()
    }
    try {
      const value: unknown = JSON.parse(text)
      if (typeof value === 'object' && value !== null) return parsedFrom(value, text)
    } catch {
      // reported below
    }
    throw new WardenError('upstream_error', `The upstream "${id}" sent a malformed response.`)
  }

  async function callJson<T>(path: string, body: JsonObject, signal: AbortSignal): Promise<T> {
    const startedAt = performance.now()
    const response = await open('POST', path, JSON.stringify(body), signal)
    return (await readJson(response.body, startedAt, signal)) as T
  }

  async function callStream<T>(
    path: string,
    body: JsonObject,
    signal: AbortSignal,
  ): Promise<AsyncIterable<T>> {
    const startedAt = performance.now()
    const { body: response, json } = await open('POST', path, JSON.stringify(body), signal)
    if (json) {
      return jsonAsStream(await readJson(response, startedAt, signal), id) as AsyncIterable<T>
    }
    return parseSseJson<T>({
      // Leaving the loop must not destroy the body (a fresh AbortError per stream); `release`
      // reads off what is left, or destroys it on failure.
      body: response.iterator({ destroyOnReturn: false }),
      mapError: (error) => toWardenError(error, signal),
      // What follows `[DONE]` is read off, so the connection can serve again; a stream left
      // before its end (the client gone, the output filter's stop) is cut, and the upstream
      // stops generating.
      release: (complete) => {
        if (response.readableEnded) return
        if (!complete || signal.aborted || response.errored) {
          // undici reports a body cut short as an error; no one is reading it any more.
          response.on('error', () => undefined)
          response.destroy()
        } else response.dump({ limit: 64 * 1024 }).catch(() => undefined)
      },
    })
  }

  const chatCalls = {
    chat: ({ body, signal }: ProviderCall<ChatCompletionRequest>) =>
      callJson<ChatCompletion>('/chat/completions', body, signal),
    chatStream: ({ body, signal }: ProviderCall<ChatCompletionRequest>) =>
      callStream<ChatCompletionChunk>('/chat/completions', body, signal),
  }

  return {
    id,
    capabilities: { completions: true, embeddings: true, listModels: true },
    ...chatCalls,
    completion: ({ body, signal }) => callJson('/completions', body, signal),
    completionStream: ({ body, signal }) => callStream('/completions', body, signal),
    embed: ({ body, signal }) => callJson('/embeddings', body, signal),
    responses: (call) =>
      config.responses === 'native'
        ? callJson('/responses', { ...call.body, model: call.upstreamModel }, call.signal)
        : respondViaChat(chatCalls, call),
    responsesStream: (call) =>
      config.responses === 'native'
        ? callStream('/responses', { ...call.body, model: call.upstreamModel }, call.signal)
        : streamViaChat(chatCalls, call),
    async listModels(signal) {
      const { body: response } = await open('GET', '/models', null, signal)
      try {
        const value = JSON.parse(await response.text()) as { data?: Array<{ id?: unknown }> }
        return (value.data ?? []).map((m) => m.id).filter((m): m is string => typeof m === 'string')
      } catch {
        throw new WardenError('upstream_error', `The upstream "${id}" sent a malformed model list.`)
      }
    },
    close: () => pool.close(),
  }
}

/** Builds the headers from the configured secrets; a missing one is a 502 naming no value. */
function revealCredentials(
  id: string,
  config: OpenAiCompatibleOptions,
): { headers: Record<string, string>; secrets: string[] } {
  const reveal = (secret: Secret): string => {
    try {
      return secret.reveal()
    } catch (error) {
      if (!(error instanceof SecretUnavailableError)) throw error
      throw new WardenError(
        'upstream_error',
        `The upstream "${id}" cannot be called: its credential is not configured.`,
        { cause: error },
      )
    }
  }
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  for (const [name, value] of Object.entries(config.headers)) headers[name] = reveal(value)
  const apiKey = config.apiKey && reveal(config.apiKey)
  if (apiKey) headers.authorization = `Bearer ${apiKey}`
  const secrets = [apiKey, ...Object.values(headers)].filter(
    (s): s is string => !!s && s.length >= 6 && s !== 'application/json',
  )
  return { headers, secrets }
}
