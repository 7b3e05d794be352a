import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { bindSecrets, collectSecrets, Secret, secretString } from './secret.js'

const VALUE = 'sk-live-0123456789abcdef'

function boundSecret(text: string, env: Record<string, string | undefined>): Secret {
  const secret = secretString().parse(text)
  bindSecrets({ providers: { openai: { apiKey: secret } } }, { env, baseDir: '/' })
  return secret
}

describe('Secret', () => {
  it('never serialises its value: JSON, util.inspect, template strings and pino-style objects', () => {
    const secret = boundSecret('env:KEY', { KEY: VALUE })
    expect(secret.reveal()).toBe(VALUE)
    const holder = { apiKey: secret, headers: { 'x-token': Secret.literal(VALUE) } }
    expect(JSON.stringify(holder)).toBe('{"apiKey":"[secret]","headers":{"x-token":"[secret]"}}')
    expect(inspect(holder, { depth: 5 })).not.toContain(VALUE)
    expect(`key=${String(secret)}`).toBe('key=[secret]')
    expect(String(Secret.literal(VALUE))).toBe('[secret]')
  })

  it('names the path and the variable, never a value, when a reference cannot be resolved', () => {
    const secret = boundSecret('env:OPENAI_API_KEY', {})
    expect(secret.path).toBe('providers.openai.apiKey')
    expect(secret.reference).toBe('env:OPENAI_API_KEY')
    expect(() => secret.reveal()).toThrow(
      'providers.openai.apiKey: environment variable OPENAI_API_KEY is not set',
    )
  })

  it('resolves once: the first outcome is kept though the environment changes later', () => {
    const env: Record<string, string | undefined> = {}
    const secret = boundSecret('env:LATE', env)
    expect(secret.problem()).toBe('providers.openai.apiKey: environment variable LATE is not set')
    env.LATE = VALUE
    expect(secret.problem()).toBe('providers.openai.apiKey: environment variable LATE is not set')
    const early = boundSecret('env:EARLY', { EARLY: 'first' })
    expect(early.reveal()).toBe('first')
  })

  it('rejects a literal that fails its check without echoing the value', () => {
    const schema = secretString(z.string().startsWith('postgres://', 'must be a postgres:// URL'))
    const result = schema.safeParse('mysql://root:hunter2@db')
    expect(result.success).toBe(false)
    expect(JSON.stringify(result.error?.issues)).not.toContain('hunter2')
    expect(result.error?.issues[0]?.message).toBe('must be a postgres:// URL')
  })

  it('passes an existing Secret through a second parse, keeping its binding', () => {
    const secret = boundSecret('env:KEY', { KEY: VALUE })
    expect(secretString().parse(secret)).toBe(secret)
    expect(collectSecrets({ a: [secret], b: { c: 'plain' } })).toEqual([secret])
  })
})
