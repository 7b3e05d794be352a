import type { z } from 'zod'
import { WardenError } from '../domain/index.js'

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
    { param },
  )
}
