import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, type Harness } from '../src/testing/warden-harness.js'

interface Json {
  [key: string]: unknown
}

/** The admin HTTP API, driven as an operator would: sign in, create, revoke, audit. */
describe('the admin API', () => {
  let h: Harness
  let token: string

  beforeAll(async () => {
    h = await startHarness()
  })
  afterAll(async () => {
    await h.close()
  })

  async function call(method: string, path: string, body?: unknown, auth: string | null = token) {
    const res = await fetch(`${h.url}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(auth ? { authorization: `Bearer ${auth}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Json }
  }

  it('signs in once with the bootstrap token, then only with a password', async () => {
    const bootstrap = await h.services.adminUsers.bootstrap()
    expect(bootstrap?.token).toMatch(/^wdb_/)
    const login = await call('POST', '/api/admin/login', { token: bootstrap?.token }, null)
    expect(login.status).toBe(200)
    token = login.body.token as string
    expect(token).toMatch(/^wds_/)
    const again = await call('POST', '/api/admin/login', { token: bootstrap?.token }, null)
    expect(again.status).toBe(401)
    expect(again.body).toMatchObject({ error: { code: 'unauthorized' } })

    expect((await call('POST', '/api/admin/password', { password: 'short' })).status).toBe(400)
    expect(
      (await call('POST', '/api/admin/password', { password: 'a long enough passphrase' })).status,
    ).toBe(204)
    const withPassword = await call(
      'POST',
      '/api/admin/login',
      { username: 'admin', password: 'a long enough passphrase' },
      null,
    )
    expect(withPassword.status).toBe(200)
    const wrong = await call(
      'POST',
      '/api/admin/login',
      { username: 'admin', password: 'not the passphrase' },
      null,
    )
    expect(wrong.status).toBe(401)
    expect(await h.services.adminUsers.bootstrap()).toBeNull()
  })

  it('ends every other session of the user when the password changes', async () => {
    const login = async () =>
      (
        await call(
          'POST',
          '/api/admin/login',
          { username: 'admin', password: 'a long enough passphrase' },
          null,
        )
      ).body.token as string
    const mine = await login()
    const leaked = await login()
    expect((await call('GET', '/api/admin/me', undefined, leaked)).status).toBe(200)
    expect(
      (await call('POST', '/api/admin/password', { password: 'another long passphrase' }, mine))
        .status,
    ).toBe(204)
    expect((await call('GET', '/api/admin/me', undefined, leaked)).status).toBe(401)
    expect((await call('GET', '/api/admin/me', undefined, mine)).status).toBe(200)
    expect(
      (await call('POST', '/api/admin/password', { password: 'a long enough passphrase' }, mine))
        .status,
    ).toBe(204)
    // The session the later tests use ended too; carry on with the surviving one.
    token = mine
  })

  it('refuses every admin route without a session', async () => {
    for (const [method, path] of [
      ['GET', '/api/admin/organizations'],
      ['POST', '/api/admin/organizations'],
      ['GET', '/api/admin/keys'],
      ['GET', '/api/admin/audit'],
      ['GET', '/api/admin/audit/verify'],
    ] as const) {
      const res = await call(method, path, method === 'POST' ? { name: 'x' } : undefined, null)
      expect(res.status, `${method} ${path}`).toBe(401)
    }
    expect((await call('GET', '/api/admin/keys', undefined, 'wds_forged')).status).toBe(401)
    expect(
      (await call('GET', '/api/admin/keys', undefined, 'wdn_an_api_key_is_not_a_session')).status,
    ).toBe(401)
  })

  it('creates an organization, an application and a key that works with the openai client', async () => {
    const org = await call('POST', '/api/admin/organizations', { name: 'Globex' })
    expect(org.status).toBe(201)
    expect((await call('POST', '/api/admin/organizations', { name: 'Globex' })).status).toBe(409)
    expect((await call('POST', '/api/admin/organizations', { name: '' })).body).toMatchObject({
      error: { param: 'name' },
    })
    const app = await call('POST', '/api/admin/organizations/Globex/applications', {
      name: 'assistant',
    })
    expect(app.status).toBe(201)
    const created = await call(
      'POST',
      '/api/admin/organizations/Globex/applications/assistant/keys',
      { models: ['stub-model'] },
    )
    expect(created.status).toBe(201)
    const key = created.body.key as string
    expect(key).toMatch(/^wdn_[A-Za-z0-9_-]{43}$/)
    expect(created.body.prefix).toBe(key.slice(0, 12))

    const listed = await call('GET', '/api/admin/keys')
    expect(JSON.stringify(listed.body)).not.toContain(key)
    expect(listed.body.data).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: created.body.id, models: ['stub-model'] }),
      ]),
    )

    const client = new OpenAI({ apiKey: key, baseURL: h.baseURL, maxRetries: 0 })
    const completion = await client.chat.completions.create({
      model: 'stub-model',
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(completion.choices[0]?.message.content).toBeTruthy()

    const revoked = await call('POST', `/api/admin/keys/${String(created.body.id)}/revoke`)
    expect(revoked.status).toBe(200)
    expect(revoked.body.revoked_at).toEqual(expect.any(Number))
    const refused = await client.chat.completions
      .create({ model: 'stub-model', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(OpenAI.PermissionDeniedError)
  })

  it('keeps every admin action in a hash-chained audit log that verifies', async () => {
    const audit = await call('GET', '/api/admin/audit?limit=1000')
    const actions = (
      audit.body.data as Array<{ action: string; prev_hash: string; hash: string }>
    ).map((e) => e.action)
    expect(actions).toEqual(
      expect.arrayContaining([
        'admin.bootstrap',
        'admin.login',
        'admin.set_password',
        'organization.create',
        'application.create',
        'key.create',
        'key.revoke',
        'admin.login_failed',
      ]),
    )
    const entries = audit.body.data as Array<{ prev_hash: string; hash: string }>
    entries.slice(1).forEach((entry, i) => expect(entry.prev_hash).toBe(entries[i]?.hash))
    const verify = await call('GET', '/api/admin/audit/verify')
    expect(verify.body).toMatchObject({ ok: true, problems: [] })
    expect(JSON.stringify(audit.body)).not.toMatch(/wdn_[A-Za-z0-9_-]{43}|a long enough passphrase/)
  })
})
