import { writeFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, type Harness } from '../src/testing/warden-harness.js'

const UPSTREAM_KEY = 'sk-upstream-from-env-0123456789'
const HEADER_SECRET = 'tenant-token-from-file-98765'

/** Provider credentials are references read when first needed, per provider. */
describe('secret references on providers', () => {
  let h: Harness
  let key: string

  beforeAll(async () => {
    const secrets = mkdtempSync(join(tmpdir(), 'warden-secrets-'))
    writeFileSync(join(secrets, 'tenant'), `${HEADER_SECRET}\n`)
    h = await startHarness({
      env: { KEYED_API_KEY: UPSTREAM_KEY },
      providers: (stubUrl) => ({
        locked: { kind: 'openai-compatible', baseUrl: stubUrl, apiKey: 'env:SOME_UNSET_VAR' },
        keyed: {
          kind: 'openai-compatible',
          baseUrl: stubUrl,
          apiKey: 'env:KEYED_API_KEY',
          headers: { 'x-tenant': `file:${join(secrets, 'tenant')}` },
        },
      }),
      models: [
        { id: 'locked-model', provider: 'locked', upstreamModel: 'stub-model' },
        { id: 'keyed-model', provider: 'keyed', upstreamModel: 'stub-model' },
      ],
    })
    key = await h.createKey()
  })
  afterAll(async () => {
    await h.close()
  })

  const chat = (model: string) =>
    fetch(`${h.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    })

  it('starts with one warning naming the unresolvable reference', () => {
    const warnings = h
      .logs()
      .split('\n')
      .filter((line) => line.includes('SOME_UNSET_VAR'))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain(
      'providers.locked.apiKey: environment variable SOME_UNSET_VAR is not set',
    )
    expect(JSON.parse(warnings[0] ?? '{}')).toMatchObject({
      level: 40,
      setting: 'providers.locked.apiKey',
    })
  })

  it('answers 502 upstream_error saying the credential is not configured, calling no upstream', async () => {
    const before = h.stub.requests.length
    const res = await chat('locked-model')
    expect(res.status).toBe(502)
    const body = (await res.json()) as { error: Record<string, unknown> }
    expect(body.error).toEqual({
      message: 'The upstream "locked" cannot be called: its credential is not configured.',
      type: 'api_error',
      code: 'upstream_error',
      param: null,
    })
    expect(h.stub.requests.length).toBe(before)
  })

  it('keeps the other providers working, sending the referenced values upstream', async () => {
    expect((await chat('stub-model')).status).toBe(200)
    const res = await chat('keyed-model')
    expect(res.status).toBe(200)
    const sent = h.stub.requests.at(-1)?.headers
    expect(sent?.authorization).toBe(`Bearer ${UPSTREAM_KEY}`)
    expect(sent?.['x-tenant']).toBe(HEADER_SECRET)
  })

  it('never writes a secret value to the log', () => {
    expect(h.logs()).not.toContain(UPSTREAM_KEY)
    expect(h.logs()).not.toContain(HEADER_SECRET)
    expect(h.logs()).not.toContain('sk-upstream-secret')
  })
})
