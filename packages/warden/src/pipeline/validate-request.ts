import type { z } from 'zod'
import {
  chatCompletionRequestSchema,
  completionRequestSchema,
  embeddingRequestSchema,
} from './openai-requests.js'
import { WardenError } from '../domain/index.js'
import type { ExchangeRequest } from './exchange.js'
import type { Stage } from './stage.js'

/** `messages[0].role` from a zod path. */
function formatParam(path: readonly PropertyKey[]): string | null {
  if (path.length === 0) return null
  return path.reduce<string>(
    (out, key) =>
      typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key),
    '',
  )
}

/** Checks a body against a schema, or throws a 400 that names the first wrong field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new WardenError('invalid_request_error', 'The request body must be a JSON object.')
  }
  const result = schema.safeParse(body)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  const param = issue ? formatParam(issue.path) : null
  const detail = issue ? issue.message : 'invalid request'
  throw new WardenError(
    'invalid_request_error',
    param ? `Invalid '${param}': ${detail}.` : `Invalid request: ${detail}.`,
    {
      param,
    },
  )
}

/** Checks the body of the request against its endpoint's schema (after authentication, as OpenAI does). */
export function validateRequest(): Stage {
  return async (x, next) => {
    x.request = toRequest(x.endpoint, x.rawBody)
    await next()
  }
}

function toRequest(endpoint: ExchangeRequest['endpoint'], body: unknown): ExchangeRequest {
  switch (endpoint) {
    case 'chat':
      return { endpoint, body: parseBody(chatCompletionRequestSchema, body) }
    case 'completions':
      return { endpoint, body: parseBody(completionRequestSchema, body) }
    case 'embeddings':
      return { endpoint, body: parseBody(embeddingRequestSchema, body) }
    case 'models': {
      const model = (body as { model?: unknown } | null)?.model
      return { endpoint, body: typeof model === 'string' ? { model } : null }
    }
  }
}
