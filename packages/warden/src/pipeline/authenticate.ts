import { WardenError, type AnonymousRefusals, type Principal } from '../domain/index.js'
import { retryAfterHeaders } from '../limits/index.js'
import type { Stage } from './stage.js'

/**
 * Resolves the API key to its key, application and organization, or refuses. An address that
 * sent too many missing or unknown keys waits first, before any lookup: a flood of bad keys
 * costs its sender, not the database.
 */
export function authenticate(deps: {
  readonly resolveKey: (secret: string | undefined) => Promise<Principal>
  readonly anonymous: AnonymousRefusals
}): Stage {
  return async (x, next) => {
    const wait = deps.anonymous.waitFor(x.clientAddress)
    if (wait > 0) throw tooManyBadKeys(wait)
    x.principal = await deps.resolveKey(x.apiKey)
    await next()
  }
}

function tooManyBadKeys(waitMs: number): WardenError {
  const seconds = Math.max(1, Math.ceil(waitMs / 1_000))
  return new WardenError(
    'rate_limit_exceeded',
    `Too many requests with a missing or invalid API key from this address. Try again in ${seconds} s.`,
    { headers: retryAfterHeaders(waitMs), limit: { name: 'bad_keys', level: 'address' } },
  )
}
