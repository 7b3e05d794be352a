import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import type { z } from 'zod'
import { configSchema, type Config, type ProviderKindSchemas } from './schema.js'
import { ConfigError } from './config-error.js'
import { bindSecrets } from './secret.js'

export interface LoadConfigInput {
  /** A YAML file; defaults to `$WARDEN_CONFIG`, else `./warden.yaml` when it exists. */
  readonly file?: string | undefined
  readonly env: Readonly<Record<string, string | undefined>>
  readonly cwd?: string
  /** The provider kinds a `providers` entry may name; each checks its own options. */
  readonly providerKinds: ProviderKindSchemas
  /** Settings layered over the file and under the environment (tests, embedding). */
  readonly values?: Readonly<Record<string, unknown>>
}

type Mutable = Record<string, unknown>

/** `WARDEN_*` variables and the config path each one sets. */
export const ENV_KEYS: Readonly<Record<string, readonly string[]>> = {
  WARDEN_HOST: ['server', 'host'],
  WARDEN_PORT: ['server', 'port'],
  WARDEN_BODY_LIMIT_BYTES: ['server', 'bodyLimitBytes'],
  WARDEN_HEADERS_TIMEOUT_MS: ['server', 'headersTimeoutMs'],
  WARDEN_REQUEST_TIMEOUT_MS: ['server', 'requestTimeoutMs'],
  WARDEN_KEEP_ALIVE_TIMEOUT_MS: ['server', 'keepAliveTimeoutMs'],
  WARDEN_MAX_CONNECTIONS: ['server', 'maxConnections'],
  WARDEN_MAX_HEADER_BYTES: ['server', 'maxHeaderBytes'],
  WARDEN_MAX_BODY_BYTES_IN_FLIGHT: ['server', 'maxBodyBytesInFlight'],
  WARDEN_DATABASE_URL: ['database', 'url'],
  WARDEN_SQLITE_PATH: ['database', 'sqlitePath'],
  WARDEN_LOG_LEVEL: ['log', 'level'],
  WARDEN_PUBLIC_URL: ['server', 'publicUrl'],
  WARDEN_POLICY_FILE: ['policy', 'file'],
  WARDEN_LIMITS_ENABLED: ['limits', 'enabled'],
  WARDEN_MODERATION_ENABLED: ['moderation', 'enabled'],
  WARDEN_MODERATION_WORKERS: ['moderation', 'workers', 'count'],
  WARDEN_MONITORING_ENABLED: ['monitoring', 'enabled'],
  WARDEN_REDIS_URL: ['limits', 'redisUrl'],
  WARDEN_REDIS_FAILURE: ['limits', 'redisFailure'],
  WARDEN_METRICS_EXPOSE: ['metrics', 'expose'],
  WARDEN_METRICS_HOST: ['metrics', 'host'],
  WARDEN_METRICS_PORT: ['metrics', 'port'],
  WARDEN_METRICS_TOKEN: ['metrics', 'token'],
  WARDEN_TRACING_ENDPOINT: ['tracing', 'otlp', 'endpoint'],
}

/**
 * Loads defaults < file < `values` < environment and validates once. Secret references are
 * checked for syntax here and bound to the environment and the config file's folder; their
 * values are read when first used (see `Secret`).
 */
export function loadConfig(input: LoadConfigInput): Config {
  const cwd = input.cwd ?? process.cwd()
  const env = input.env
  const problems: string[] = []
  const { raw, baseDir } = readFile(input.file ?? env.WARDEN_CONFIG, cwd, problems)
  if (input.values) mergeInto(raw, input.values)

  for (const [name, path] of Object.entries(ENV_KEYS)) {
    const value = env[name]
    if (value !== undefined && value !== '') setPath(raw, path, value)
  }
  applyDefaultUpstream(raw, env)
  checkModelProviders(raw, problems)

  const parsed = configSchema(input.providerKinds).safeParse(raw)
  if (!parsed.success) problems.push(...formatIssues(parsed.error.issues))
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems)
  const config = parsed.data
  if (!isAbsolute(config.database.sqlitePath)) {
    config.database.sqlitePath = resolve(findHome(input.file, env, cwd), config.database.sqlitePath)
  }
  if (config.policy.file !== undefined && !isAbsolute(config.policy.file)) {
    config.policy.file = resolve(baseDir ?? cwd, config.policy.file)
  }
  config.moderation.baseDir = resolve(baseDir ?? cwd, config.moderation.baseDir)
  bindSecrets(config, { env, baseDir: baseDir ?? cwd })
  return deepFreeze(config)
}

/**
 * The folder relative data paths resolve against, so the server and the CLI find one database
 * wherever they run: `WARDEN_HOME`, else the folder of the config file in use, else the nearest
 * ancestor of `cwd` holding `.warden/`, else `cwd`.
 */
export function findHome(
  file: string | undefined,
  env: LoadConfigInput['env'],
  cwd: string,
): string {
  if (env.WARDEN_HOME) return resolve(cwd, env.WARDEN_HOME)
  const configFile = file || env.WARDEN_CONFIG
  if (configFile) return dirname(resolve(cwd, configFile))
  if (existsSync(resolve(cwd, 'warden.yaml'))) return cwd
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (statSync(resolve(dir, '.warden'), { throwIfNoEntry: false })?.isDirectory()) return dir
    if (dirname(dir) === dir) return cwd
  }
}

/** The file's settings and its folder, which relative `file:` references are resolved against. */
function readFile(
  file: string | undefined,
  cwd: string,
  problems: string[],
): { raw: Mutable; baseDir?: string } {
  const path = file !== undefined && file !== '' ? resolve(cwd, file) : resolve(cwd, 'warden.yaml')
  if (file === undefined || file === '') {
    if (!existsSync(path)) return { raw: {} }
  }
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    problems.push(`${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
    return { raw: {} }
  }
  try {
    const value: unknown = parseYaml(text) ?? {}
    if (typeof value !== 'object' || Array.isArray(value)) {
      problems.push(`${path}: the top level must be a mapping`)
      return { raw: {} }
    }
    return { raw: value as Mutable, baseDir: dirname(path) }
  } catch (error) {
    problems.push(`${path}: not valid YAML (${(error as Error).message.split('\n')[0]})`)
    return { raw: {} }
  }
}

function applyDefaultUpstream(raw: Mutable, env: LoadConfigInput['env']): void {
  const url = env.WARDEN_UPSTREAM_URL
  if (url === undefined || url === '') return
  if (!isObject(raw.providers)) raw.providers = {}
  const providers = raw.providers as Mutable
  const existing = isObject(providers.default) ? providers.default : {}
  providers.default = {
    kind: 'openai-compatible',
    passthroughModels: true,
    ...existing,
    baseUrl: url,
    ...(env.WARDEN_UPSTREAM_API_KEY ? { apiKey: env.WARDEN_UPSTREAM_API_KEY } : {}),
  }
}

/** A model must name a configured provider; checked on the raw input so it is reported with the rest. */
function checkModelProviders(raw: Mutable, problems: string[]): void {
  if (!Array.isArray(raw.models)) return
  const providers = isObject(raw.providers) ? raw.providers : {}
  raw.models.forEach((model: unknown, i) => {
    const provider = isObject(model) ? model.provider : undefined
    if (typeof provider === 'string' && !(provider in providers)) {
      problems.push(`models.${i}.provider: unknown provider "${provider}"`)
    }
  })
}

function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const path = issue.path.map(String).join('.') || '(root)'
    return `${path}: ${issue.message}`
  })
}

/** Deep-merges plain mappings; anything else in `over` replaces what is there. */
function mergeInto(target: Mutable, over: Readonly<Record<string, unknown>>): void {
  for (const [key, value] of Object.entries(over)) {
    if (!isObject(value)) {
      target[key] = value
      continue
    }
    // Copied, not shared: later layers write into `target`, never into the caller's object.
    if (!isObject(target[key])) target[key] = {}
    mergeInto(target[key] as Mutable, value)
  }
}

function setPath(target: Mutable, path: readonly string[], value: unknown): void {
  let node = target
  path.slice(0, -1).forEach((key) => {
    if (!isObject(node[key])) node[key] = {}
    node = node[key] as Mutable
  })
  node[path[path.length - 1] as string] = value
}

function isObject(x: unknown): x is Mutable {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach((child: unknown) => {
      deepFreeze(child)
    })
    Object.freeze(value)
  }
  return value
}
