import type { z } from 'zod'
import { parseBody } from './parse-body.js'
import type { Stage } from './stage.js'

/** The model a raw body names, as sent (bounded), for usage and audit even when it is invalid. */
function modelNamed(raw: unknown): string | null {
  const model = (raw as { model?: unknown } | null | undefined)?.model
  return typeof model === 'string' ? model.slice(0, 256) : null
}

/**
 * Reads the body (only now, after authentication: a stranger's upload is never read) and checks
 * it against the endpoint's schema, or throws a 400 that names the first wrong field.
 */
export function readRequest<S extends z.ZodType>(schema: S): Stage<z.infer<S>> {
  return async (x, next) => {
    const raw = await x.readBody()
    x.model = modelNamed(raw)
    x.body = parseBody(schema, raw)
    await next()
  }
}
