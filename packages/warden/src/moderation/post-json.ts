import { request } from 'undici'
import type { z } from 'zod'
import type { Secret } from '../config/index.js'

/** One JSON call of a remote classifier. */
export interface PostJsonInput<T> {
  /** Who is calling, for messages: `openai-moderation "mod"`. */
  readonly caller: string
  readonly url: URL
  /** The request body, already serialised (a webhook signs these exact bytes). */
  readonly body: string
  readonly headers?: Readonly<Record<string, string>>
  /** Sent as `Authorization: Bearer …`; its value never appears in an error. */
  readonly apiKey?: Secret
  /** Other values to keep out of error messages (secret headers). */
  readonly secrets?: readonly string[]
  /** Most bytes of answer read; past it the call fails and the connection is dropped. */
  readonly maxResponseBytes: number
  readonly signal: AbortSignal
  /** What a good answer looks like; anything else throws. */
  readonly answer: z.ZodType<T>
  /** The answer's name in messages: `a moderation result`. */
  readonly answerName: string
}

/** How much of an error answer is quoted in the thrown message. */
const QUOTED_CHARS = 200

/**
 * POSTs JSON and returns the 2xx answer, checked against its schema. A non-2xx status, an
 * answer that is not JSON or not of the schema, or one longer than `maxResponseBytes` throws an
 * Error naming the caller and the endpoint (never the key); an abort throws the signal's
 * reason, so a timeout stays a timeout.
 */
export async function postJson<T>(input: PostJsonInput<T>): Promise<T> {
  const { caller, url, signal } = input
  const where = `${url.origin}${url.pathname}`
  const key = input.apiKey?.reveal()
  const secrets = [...(key === undefined ? [] : [key]), ...(input.secrets ?? [])]
  signal.throwIfAborted()
  let response: Awaited<ReturnType<typeof request>>
  try {
    response = await request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...input.headers,
        ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
      },
      body: input.body,
      signal,
    })
  } catch (error) {
    signal.throwIfAborted()
    throw new Error(`${caller}: cannot reach ${where}: ${messageOf(error, secrets)}`, {
      cause: error,
    })
  }
  const declared = Number(response.headers['content-length'])
  if (declared > input.maxResponseBytes) {
    response.body.destroy()
    throw new Error(
      `${caller}: ${where} answered ${declared} bytes, more than the ${input.maxResponseBytes} allowed`,
    )
  }
  const text = await readBounded(response.body, input.maxResponseBytes, signal).catch(
    (error: unknown) => {
      signal.throwIfAborted()
      throw new Error(`${caller}: ${where}: ${messageOf(error, secrets)}`, { cause: error })
    },
  )
  if (response.statusCode < 200 || response.statusCode > 299) {
    const said = quote(text, secrets)
    throw new Error(`${caller}: ${where} answered ${response.statusCode}${said ? `: ${said}` : ''}`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new Error(
      `${caller}: ${where} answered ${response.statusCode} with a body that is not JSON`,
    )
  }
  const parsed = input.answer.safeParse(json)
  if (!parsed.success) {
    throw new Error(
      `${caller}: ${where} answered with ${input.answerName} that does not parse: ${issueOf(parsed.error)}`,
    )
  }
  return parsed.data
}

/** The first problem zod found, as `path: message`, for an operator reading a log line. */
function issueOf(error: z.ZodError): string {
  const issue = error.issues[0]
  if (issue === undefined) return 'invalid'
  return issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message
}

type Body = Awaited<ReturnType<typeof request>>['body']

/** Reads a body as UTF-8, giving up (and dropping the connection) past `maxBytes`. */
async function readBounded(body: Body, maxBytes: number, signal: AbortSignal): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > maxBytes)
        throw new Error(`the answer is longer than the ${maxBytes} bytes allowed`)
      chunks.push(chunk)
      signal.throwIfAborted()
    }
  } catch (error) {
    body.destroy()
    throw error
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** A short, single-line excerpt of an error answer, secrets cut out should it echo them. */
function quote(text: string, secrets: readonly string[]): string {
  let said = text
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown }
    const error = parsed.error
    if (typeof error === 'string') said = error
    else if (typeof error?.message === 'string') said = error.message
    else if (typeof parsed.message === 'string') said = parsed.message
  } catch {
    // Not JSON: the raw text, cut short, is still the best hint an operator gets.
  }
  return redact(said, secrets).replace(/\s+/g, ' ').trim().slice(0, QUOTED_CHARS)
}

function messageOf(error: unknown, secrets: readonly string[]): string {
  return redact(error instanceof Error ? error.message : String(error), secrets)
}

function redact(text: string, secrets: readonly string[]): string {
  let out = text
  for (const secret of secrets) if (secret !== '') out = out.split(secret).join('[redacted]')
  return out
}
