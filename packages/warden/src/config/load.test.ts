import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from './load.js'

function folderWith(yaml?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'warden-config-'))
  if (yaml !== undefined) writeFileSync(join(dir, 'warden.yaml'), yaml)
  return dir
}

describe('loadConfig', () => {
  it('starts with zero config: loopback, port 8080, SQLite under .warden, no providers', () => {
    const cwd = folderWith()
    const config = loadConfig({ env: {}, cwd })
    expect(config.server).toMatchObject({ host: '127.0.0.1', port: 8080 })
    expect(config.database).toMatchObject({
      url: '',
      sqlitePath: join(cwd, '.warden', 'warden.db'),
    })
    expect(config.providers).toEqual({})
    expect(Object.isFrozen(config.server)).toBe(true)
  })

  it('layers defaults < warden.yaml < WARDEN_* environment', () => {
    const cwd = folderWith('server:\n  port: 9000\n  host: 0.0.0.0\nlog:\n  level: debug\n')
    const config = loadConfig({ env: { WARDEN_PORT: '9100' }, cwd })
    expect(config.server.port).toBe(9100)
    expect(config.server.host).toBe('0.0.0.0')
    expect(config.log.level).toBe('debug')
  })

  it('turns WARDEN_UPSTREAM_URL into a default passthrough provider with its key', () => {
    const config = loadConfig({
      env: {
        WARDEN_UPSTREAM_URL: 'http://localhost:11434/v1',
        WARDEN_UPSTREAM_API_KEY: 'sk-local',
      },
      cwd: folderWith(),
    })
    expect(config.providers.default).toMatchObject({
      kind: 'openai-compatible',
      baseUrl: 'http://localhost:11434/v1',
      apiKey: 'sk-local',
      passthroughModels: true,
    })
  })

  it('resolves secret references from the environment and from files', () => {
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
    const config = loadConfig({ env: { OPENAI_API_KEY: 'sk-from-env' }, cwd })
    expect(config.providers.openai?.apiKey).toBe('sk-from-env')
    expect(config.providers.local?.apiKey).toBe('sk-from-file')
    expect(config.models[0]).toMatchObject({ id: 'gpt-4o-mini', provider: 'openai' })
  })

  it('reports every wrong path in one error, without echoing secret values', () => {
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
      '  other:',
      '    kind: carrier-pigeon',
    ].join('\n')
    const error = (() => {
      try {
        loadConfig({ env: {}, cwd: folderWith(yaml) })
      } catch (e) {
        return e
      }
      return null
    })()
    expect(error).toBeInstanceOf(ConfigError)
    const problems = (error as ConfigError).problems.join('\n')
    expect(problems).toContain('server.port')
    expect(problems).toContain('database.poolSize')
    expect(problems).toContain(
      'providers.openai.apiKey: environment variable MISSING_KEY is not set',
    )
    expect(problems).toContain('providers.other.kind')
  })

  it('names a YAML syntax error and a missing explicit file', () => {
    expect(() => loadConfig({ env: {}, cwd: folderWith('server: [\n') })).toThrow(/not valid YAML/)
    expect(() => loadConfig({ env: { WARDEN_CONFIG: 'nope.yaml' }, cwd: folderWith() })).toThrow(
      /cannot be read/,
    )
  })

  it('sets the server timeouts from WARDEN_* and refuses a header timeout past the request timeout', () => {
    const cwd = folderWith()
    const env = { WARDEN_HEADERS_TIMEOUT_MS: '5000', WARDEN_REQUEST_TIMEOUT_MS: '20000' }
    expect(loadConfig({ env, cwd }).server).toMatchObject({
      headersTimeoutMs: 5000,
      requestTimeoutMs: 20000,
      maxBodyBytesInFlight: 64 * 1024 * 1024,
    })
    expect(() => loadConfig({ env: { ...env, WARDEN_HEADERS_TIMEOUT_MS: '30000' }, cwd })).toThrow(
      /server\.headersTimeoutMs: headersTimeoutMs must not exceed requestTimeoutMs/,
    )
  })
})
