import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { providerKinds } from '../providers/index.js'
import { ConfigError } from './config-error.js'
import { loadConfig, type LoadConfigInput } from './load.js'
import { Secret, secretString, SecretUnavailableError } from './secret.js'

/** Loads with the real provider registry, as `warden` does. */
function load(input: Omit<LoadConfigInput, 'providerKinds'>) {
  return loadConfig({ ...input, providerKinds })
}

function problemsOf(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return (error as ConfigError).problems.join('\n')
  }
  throw new Error('expected a ConfigError')
}

function folderWith(yaml?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'warden-config-'))
  if (yaml !== undefined) writeFileSync(join(dir, 'warden.yaml'), yaml)
  return dir
}

describe('loadConfig', () => {
  it('starts with zero config: loopback, port 8080, SQLite under .warden, no providers', () => {
    const cwd = folderWith()
    const config = load({ env: {}, cwd })
    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 8080 })
    expect(config.database.url.reveal()).toBe('')
    expect(config.database.sqlitePath).toBe(join(cwd, '.warden', 'warden.db'))
    expect(config.providers).toEqual({})
    expect(Object.isFrozen(config.server)).toBe(true)
  })

  it('layers defaults < warden.yaml < WARDEN_* environment', () => {
    const cwd = folderWith('server:\n  port: 9000\n  host: 0.0.0.0\nlog:\n  level: debug\n')
    const config = load({ env: { WARDEN_PORT: '9100' }, cwd })
    expect(config.server.port).toBe(9100)
    expect(config.server.host).toBe('0.0.0.0')
    expect(config.log.level).toBe('debug')
  })

  it('turns WARDEN_UPSTREAM_URL into a default passthrough provider with its key', () => {
    const config = load({
      env: {
        WARDEN_UPSTREAM_URL: 'http://localhost:11434/v1',
        WARDEN_UPSTREAM_API_KEY: 'sk-local',
      },
      cwd: folderWith(),
    })
    expect(config.providers.default).toMatchObject({
      kind: 'openai-compatible',
      baseUrl: 'http://localhost:11434/v1',
      passthroughModels: true,
    })
    expect(reveal(config.providers.default?.apiKey)).toBe('sk-local')
  })

  it('resolves secret references from the environment and from files beside the config file', () => {
    const cwd = folderWith()
    writeFileSync(join(cwd, 'upstream.key'), 'sk-from-file\n')
    const yaml = [
      'providers:',
      '  openai:',
      '    kind: openai-compatible',
      '    baseUrl: https://api.openai.com/v1',
      '    apiKey: env:OPENAI_API_KEY',
      '  local:',
      '    kind: openai-compatible',
      '    baseUrl: http://127.0.0.1:8000/v1',
      '    apiKey: file:upstream.key',
      'models:',
      '  - id: gpt-4o-mini',
      '    provider: openai',
    ].join('\n')
    writeFileSync(join(cwd, 'warden.yaml'), yaml)
    // Run from another folder: `file:upstream.key` is relative to the config file, not the cwd.
    const config = load({
      env: { OPENAI_API_KEY: 'sk-from-env', WARDEN_CONFIG: join(cwd, 'warden.yaml') },
      cwd: folderWith(),
    })
    expect(reveal(config.providers.openai?.apiKey)).toBe('sk-from-env')
    expect(reveal(config.providers.local?.apiKey)).toBe('sk-from-file')
    expect(config.models[0]).toMatchObject({ id: 'gpt-4o-mini', provider: 'openai' })
  })

  it('reports every wrong path in one error, a provider option and an unknown kind included', () => {
    const yaml = [
      'server:',
      '  port: 70000',
      'database:',
      '  poolSize: -1',
      'providers:',
      '  openai:',
      '    kind: openai-compatible',
      '    baseUrl: https://api.openai.com/v1',
      '    apiKey: env:MISSING_KEY',
      '    timeoutMs: soon',
      '    colour: blue',
      '  other:',
      '    kind: carrier-pigeon',
      '  broken:',
      '    kind: openai-compatible',
      '    baseUrl: https://x.example/v1',
      '    apiKey: "env:"',
      '    headers:',
      '      x-token: "file:"',
    ].join('\n')
    const problems = problemsOf(() => load({ env: {}, cwd: folderWith(yaml) }))
    expect(problems).toContain('server.port')
    expect(problems).toContain('database.poolSize')
    expect(problems).toMatch(/^providers\.openai\.timeoutMs: /m)
    expect(problems).toMatch(/^providers\.openai: Unrecognized key: "colour"/m)
    expect(problems).toMatch(
      /^providers\.other\.kind: unknown kind; known kinds: openai-compatible/m,
    )
    expect(problems).toMatch(/^providers\.broken\.apiKey: env: must be followed by/m)
    expect(problems).toMatch(/^providers\.broken\.headers\.x-token: file: must be followed by/m)
    // An unset variable is not a load error: it is read when first used.
    expect(problems).not.toContain('MISSING_KEY')
  })

  it('loads an unset reference and fails only when it is first used, naming the path', () => {
    const yaml = [
      'database:',
      '  url: env:WARDEN_TEST_DB_URL',
      'providers:',
      '  openai:',
      '    kind: openai-compatible',
      '    baseUrl: https://api.openai.com/v1',
      '    apiKey: env:OPENAI_API_KEY',
      '    headers:',
      '      x-org: file:missing/org.txt',
    ].join('\n')
    const cwd = folderWith(yaml)
    const config = load({ env: {}, cwd })
    const apiKey = config.providers.openai?.apiKey
    expect(apiKey).toBeInstanceOf(Secret)
    expect(() => reveal(apiKey)).toThrow(
      new SecretUnavailableError(
        'providers.openai.apiKey',
        'environment variable OPENAI_API_KEY is not set',
      ),
    )
    const headers = config.providers.openai?.headers as Record<string, Secret>
    expect(() => headers['x-org']?.reveal()).toThrow(
      `providers.openai.headers.x-org: secret file ${join(cwd, 'missing', 'org.txt')} cannot be read (ENOENT)`,
    )
    expect(config.database.url.problem()).toBe(
      'database.url: environment variable WARDEN_TEST_DB_URL is not set',
    )
  })

  it('checks a referenced value when it is read: a database URL from a file must still be a URL', () => {
    const cwd = folderWith('database:\n  url: file:db-url\n')
    writeFileSync(join(cwd, 'db-url'), 'mysql://nope\n')
    const config = load({ env: {}, cwd })
    expect(config.database.url.problem()).toBe(
      'database.url: the value of file:db-url must be empty, postgres://…, or sqlite:PATH',
    )
    expect(
      problemsOf(() => load({ env: {}, cwd: folderWith('database:\n  url: mysql://x\n') })),
    ).toBe('database.url: must be empty, postgres://…, or sqlite:PATH')
  })

  it('reads each referenced value once: a changed variable or file is not read again', () => {
    const cwd = folderWith('database:\n  url: file:db-url\n')
    writeFileSync(join(cwd, 'db-url'), 'postgres://first@db/warden')
    const env: Record<string, string | undefined> = {}
    const config = load({ env, cwd })
    expect(config.database.url.reveal()).toBe('postgres://first@db/warden')
    writeFileSync(join(cwd, 'db-url'), 'postgres://second@db/warden')
    expect(config.database.url.reveal()).toBe('postgres://first@db/warden')
  })

  it('derives the providers schema from the kinds it is given: a new kind is one entry', () => {
    const carrierPigeon = {
      kind: 'carrier-pigeon',
      options: z.object({ loft: z.string(), token: secretString().optional() }),
    }
    const yaml =
      'providers:\n  birds:\n    kind: carrier-pigeon\n    loft: roof\n    token: env:T\n'
    const config = loadConfig({
      env: { T: 'coo' },
      cwd: folderWith(yaml),
      providerKinds: { 'carrier-pigeon': carrierPigeon },
    })
    expect(config.providers.birds).toMatchObject({ kind: 'carrier-pigeon', loft: 'roof' })
    expect(reveal(config.providers.birds?.token)).toBe('coo')
    const problems = problemsOf(() =>
      loadConfig({
        env: {},
        cwd: folderWith('providers:\n  birds:\n    kind: carrier-pigeon\n'),
        providerKinds: { 'carrier-pigeon': carrierPigeon },
      }),
    )
    expect(problems).toMatch(/^providers\.birds\.loft: /m)
  })

  it('names a YAML syntax error and a missing explicit file', () => {
    expect(() => load({ env: {}, cwd: folderWith('server: [\n') })).toThrow(/not valid YAML/)
    expect(() => load({ env: { WARDEN_CONFIG: 'nope.yaml' }, cwd: folderWith() })).toThrow(
      /cannot be read/,
    )
  })

  it('sets the server timeouts from WARDEN_* and refuses a header timeout past the request timeout', () => {
    const cwd = folderWith()
    const env = { WARDEN_HEADERS_TIMEOUT_MS: '5000', WARDEN_REQUEST_TIMEOUT_MS: '20000' }
    expect(load({ env, cwd }).server).toMatchObject({
      headersTimeoutMs: 5000,
      requestTimeoutMs: 20000,
      maxBodyBytesInFlight: 64 * 1024 * 1024,
    })
    expect(() => load({ env: { ...env, WARDEN_HEADERS_TIMEOUT_MS: '30000' }, cwd })).toThrow(
      /server\.headersTimeoutMs: headersTimeoutMs must not exceed requestTimeoutMs/,
    )
  })
})

function reveal(secret: unknown): string {
  if (!(secret instanceof Secret)) throw new Error('not a Secret')
  return secret.reveal()
}
