import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, type Harness } from '../src/testing/warden-harness.js'

interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly body: { error?: { code?: string; message?: string } } & Record<string, unknown>
  readonly text: string
}

/** Floods of bad keys and password guesses, as an attacker would send them, against a real server. */
describe('abuse of the refusal paths', () => {
  let h: Harness

  beforeAll(async () => {
    h = await startHarness({
      values: {
        throttle: { anonymousPerMinute: 5, loginPerAddress: 50, loginPerUser: 3 },
      },
    })
  })
  afterAll(async () => {
    await h.close()
  })

  async function send(path: string, init: RequestInit = {}): Promise<Answer> {
    const res = await fetch(`${h.url}${path}`, init)
    const text = await res.text()
    let body = {}
    try {
      body = JSON.parse(text) as Answer['body']
    } catch {
      // An HTML page.
    }
    return { status: res.status, headers: res.headers, body, text }
  }

  const chat = (key: string | null) =>
    send('/v1/chat/completions', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(key === null ? {} : { authorization: `Bearer ${key}` }),
      },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    })

  const login = (username: string, password: string) =>
    send('/api/admin/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    })

  it('makes an address that sends bad keys wait, and audits the flood as one entry per code', async () => {
    const answers = []
    for (let i = 0; i < 4; i += 1) answers.push(await chat(`wdn_guess${i}`))
    answers.push(await chat(null))
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401, 401])

    const held = await chat('wdn_one_more')
    expect(held.status).toBe(429)
    expect(held.body.error?.code).toBe('rate_limit_exceeded')
    expect(held.body.error?.message).toMatch(/missing or invalid API key from this address/)
    const retryAfter = Number(held.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThanOrEqual(1)
    expect(retryAfter).toBeLessThanOrEqual(60)
    expect(Number(held.headers.get('retry-after-ms'))).toBeGreaterThan(0)
    // The address waits whatever it sends: the key is not even looked up.
    expect((await chat(await h.createKey())).status).toBe(429)

    h.services.throttles.flush()
    await h.services.auditLog.flush()
    const entries = await h.services.auditLog.list({ limit: 10_000 })
    const refusals = entries
      .filter((e) => e.action === 'request.refused' && e.actor === 'anonymous')
      .map((e) => JSON.parse(e.details) as Record<string, unknown>)
    expect(refusals).toHaveLength(2)
    expect(refusals).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'invalid_api_key', count: 4, endpoints: { chat: 4 } }),
        expect.objectContaining({ code: 'missing_api_key', count: 1 }),
      ]),
    )
    for (const r of refusals) expect(['127.0.0.1', '0:0:0:0::/64']).toContain(r.source)
    expect((await h.services.auditLog.verify()).ok).toBe(true)
  })

  it('throttles guesses of one username, right password included, saying nothing of who exists', async () => {
    const bootstrap = await h.services.adminUsers.bootstrap()
    const signedIn = await send('/api/admin/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: bootstrap?.token }),
    })
    const token = signedIn.body.token as string
    const set = await send('/api/admin/password', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ password: 'a long enough passphrase' }),
    })
    expect(set.status).toBe(204)

    for (const user of ['admin', 'nobody-here']) {
      const tries = []
      for (let i = 0; i < 3; i += 1) tries.push((await login(user, `guess ${i}`)).status)
      expect(tries).toEqual([401, 401, 401])
    }
    const real = await login('admin', 'a long enough passphrase')
    const ghost = await login('nobody-here', 'a long enough passphrase')
    expect(real.status).toBe(429)
    expect(ghost.status).toBe(429)
    expect(real.headers.get('retry-after')).toBeTruthy()
    const shape = (a: Answer) => JSON.stringify(a.body).replace(/\d+/g, 'N')
    expect(shape(real)).toBe(shape(ghost))
    expect(real.body.error?.message).toMatch(/^Too many failed sign-ins\. Try again in \d+ s\.$/)
    // The same name written differently is the same user.
    expect((await login(' ADMIN ', 'a long enough passphrase')).status).toBe(429)
    // Other users are not held back by it.
    expect((await login('someone-else', 'wrong')).status).toBe(401)
  })

  it('throttles the reviewer pages’ sign-in with the same counters, as a page', async () => {
    const page = await send('/review/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        username: 'admin',
        password: 'a long enough passphrase',
      }).toString(),
    })
    expect(page.status).toBe(429)
    expect(page.headers.get('content-type')).toMatch(/text\/html/)
    expect(page.headers.get('retry-after')).toBeTruthy()
    expect(page.text).toContain('Too many failed sign-ins.')
  })
})
