import { z } from 'zod'
import { Secret, secretString } from '../config/index.js'

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/**
 * The credential options of a remote classifier: `api_key` (a value, `env:NAME` or
 * `file:PATH`) or `api_key_env` (the name of an environment variable). Both become one
 * `api_key` Secret, so the loaded config binds it like every other secret and parsing a parsed
 * config again leaves it as it is.
 */
export const apiKeyOptions = {
  /** The credential: a secret reference (`env:NAME`, `file:PATH`) or a literal. */
  api_key: secretString().optional(),
  /** The name of an environment variable that holds the credential. */
  api_key_env: z.string().regex(ENV_NAME, 'must be an environment variable name').optional(),
}

/** Folds `api_key_env` into `api_key`; refuses both at once, since one would be ignored. */
export function withApiKey<T extends { api_key?: Secret; api_key_env?: string }>(
  options: T,
  ctx: z.RefinementCtx,
): Omit<T, 'api_key_env'> {
  const { api_key_env: name, ...rest } = options
  if (name === undefined) return rest
  if (options.api_key !== undefined) {
    ctx.addIssue({ code: 'custom', message: 'give api_key or api_key_env, not both' })
    return z.NEVER
  }
  return { ...rest, api_key: new Secret({ from: 'env', name }) }
}
