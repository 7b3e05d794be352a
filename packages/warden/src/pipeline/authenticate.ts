import type { Principal } from '../domain/index.js'
import type { Stage } from './stage.js'

/** Resolves the API key to its key, application and organization, or refuses. */
export function authenticate(deps: {
  readonly resolveKey: (secret: string | undefined) => Promise<Principal>
}): Stage {
  return async (x, next) => {
    x.principal = await deps.resolveKey(x.apiKey)
    await next()
  }
}
