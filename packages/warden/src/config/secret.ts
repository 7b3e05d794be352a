import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { inspect } from 'node:util'
import { z } from 'zod'
import { ConfigError } from './config-error.js'

/** Where a secret's value comes from, as written in the configuration. */
export type SecretReference =
  | { readonly from: 'literal'; readonly value: string }
  | { readonly from: 'env'; readonly name: string }
  | { readonly from: 'file'; readonly path: string }

/** What a reference is resolved against: bound once by `loadConfig`. */
export interface SecretSource {
  readonly env: Readonly<Record<string, string | undefined>>
  /** Relative `file:` paths are resolved against this folder (the config file's). */
  readonly baseDir: string
}

/** A secret that cannot be resolved: a configuration problem found when it is first used. */
export class SecretUnavailableError extends ConfigError {
  override readonly name = 'SecretUnavailableError'
  constructor(
    /** The config path, e.g. `providers.openai.apiKey`. */
    readonly path: string,
    /** Why, without the value: `environment variable OPENAI_API_KEY is not set`. */
    readonly reason: string,
  ) {
    super([`${path}: ${reason}`])
  }
}

type Outcome = { readonly value: string } | { readonly error: SecretUnavailableError }

const REDACTED = '[secret]'
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/**
 * A credential setting. Holds its reference, not its value: the value is read when first
 * revealed and cached (success or failure), so the request path never reads the environment
 * or a file. Prints as `[secret]` in logs, `JSON.stringify` and `util.inspect`.
 */
export class Secret {
  readonly #reference: SecretReference
  readonly #check: z.ZodType<string> | undefined
  #path = '(unbound secret)'
  #source: SecretSource | undefined
  #outcome: Outcome | undefined

  constructor(reference: SecretReference, check?: z.ZodType<string>) {
    this.#reference = reference
    this.#check = check
  }

  /** A secret with a literal value (tests, programmatic configs). */
  static literal(value: string): Secret {
    return new Secret({ from: 'literal', value })
  }

  /** The config path this secret was loaded from. */
  get path(): string {
    return this.#path
  }

  /** `env:NAME`, `file:PATH` or `literal`: safe to log, never the value. */
  get reference(): string {
    const ref = this.#reference
    return ref.from === 'env'
      ? `env:${ref.name}`
      : ref.from === 'file'
        ? `file:${ref.path}`
        : ref.from
  }

  /** Binds the config path and what references resolve against; called once by `loadConfig`. */
  bind(path: string, source: SecretSource): void {
    this.#path = path
    this.#source = source
  }

  /** The value; resolved on first call and cached. Throws `SecretUnavailableError`. */
  reveal(): string {
    const outcome = (this.#outcome ??= this.#resolve())
    if ('error' in outcome) throw outcome.error
    return outcome.value
  }

  /** Resolves (and caches) like `reveal`; returns why it cannot be, or undefined. */
  problem(): string | undefined {
    const outcome = (this.#outcome ??= this.#resolve())
    return 'error' in outcome ? `${outcome.error.path}: ${outcome.error.reason}` : undefined
  }

  /** Never the value. */
  toJSON(): string {
    return REDACTED
  }

  /** Never the value. */
  toString(): string {
    return REDACTED
  }

  /** Never the value. */
  [inspect.custom](): string {
    return REDACTED
  }

  #resolve(): Outcome {
    const ref = this.#reference
    if (ref.from === 'literal') return { value: ref.value }
    const source = this.#source
    if (source === undefined) return this.#fail(`${this.reference} was never bound to a source`)
    let value: string
    if (ref.from === 'env') {
      const found = source.env[ref.name]
      if (found === undefined || found === '') {
        return this.#fail(`environment variable ${ref.name} is not set`)
      }
      value = found
    } else {
      const file = resolve(source.baseDir, ref.path)
      try {
        value = readFileSync(file, 'utf8').trim()
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'error'
        return this.#fail(`secret file ${file} cannot be read (${code})`)
      }
    }
    const problem = checkValue(this.#check, value)
    if (problem !== undefined) return this.#fail(`the value of ${this.reference} ${problem}`)
    return { value }
  }

  #fail(reason: string): Outcome {
    return { error: new SecretUnavailableError(this.#path, reason) }
  }
}

/** Parses what a config file says: `env:NAME`, `file:PATH`, or a literal value. */
export function parseSecretReference(text: string): SecretReference | { readonly problem: string } {
  if (text.startsWith('env:')) {
    const name = text.slice(4)
    return ENV_NAME.test(name)
      ? { from: 'env', name }
      : { problem: 'env: must be followed by an environment variable name' }
  }
  if (text.startsWith('file:')) {
    const path = text.slice(5)
    return path.trim() !== ''
      ? { from: 'file', path }
      : { problem: 'file: must be followed by a path' }
  }
  return { from: 'literal', value: text }
}

function checkValue(check: z.ZodType<string> | undefined, value: string): string | undefined {
  const result = check?.safeParse(value)
  return result && !result.success ? (result.error.issues[0]?.message ?? 'is invalid') : undefined
}

/**
 * A string setting that is, or may hold, a credential: `env:NAME`, `file:PATH` (relative to
 * the config file's folder) or a literal. Parses to a `Secret`; only the reference's syntax
 * (and a literal's `check`) is validated at load, the value when first revealed. An existing
 * `Secret` passes through unchanged, so parsing a parsed config again is harmless.
 */
export function secretString(check?: z.ZodType<string>) {
  return z.unknown().transform((input, ctx): Secret => {
    if (input instanceof Secret) return input
    const reference =
      typeof input === 'string' ? parseSecretReference(input) : { problem: 'must be a string' }
    const problem =
      'problem' in reference
        ? reference.problem
        : reference.from === 'literal'
          ? checkValue(check, reference.value)
          : undefined
    if (problem !== undefined || 'problem' in reference) {
      // The issue never carries the value: it may be the credential itself.
      ctx.issues.push({ code: 'custom', message: problem ?? 'is invalid', input: '[secret]' })
      return z.NEVER
    }
    return new Secret(reference, check)
  })
}

/** Binds every `Secret` in a parsed config to its path and source. */
export function bindSecrets(value: unknown, source: SecretSource, path = ''): void {
  if (value instanceof Secret) value.bind(path, source)
  else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      bindSecrets(child, source, path === '' ? key : `${path}.${key}`)
    }
  }
}

/** Every `Secret` in a config, for a start-up check. */
export function collectSecrets(value: unknown): Secret[] {
  if (value instanceof Secret) return [value]
  if (typeof value !== 'object' || value === null) return []
  return Object.values(value).flatMap(collectSecrets)
}
