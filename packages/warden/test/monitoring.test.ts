import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import OpenAI from 'openai'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse, stringify } from 'yaml'
import { testDatabaseKinds } from '../src/testing/databases.js'
import { startHarness, type Harness } from '../src/testing/warden-harness.js'

interface Json {
  [key: string]: unknown
}

/** A local HTTP server that keeps every POST it gets: the operator's webhook receiver. */
async function startReceiver() {
  const received: Array<{ path: string; headers: Record<string, string>; body: string }> = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const headers: Record<string, string> = {}
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string') headers[name] = value
      }
      received.push({ path: req.url ?? '', headers, body: Buffer.concat(chunks).toString('utf8') })
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** Polls `check` until it returns a value, or fails after `timeoutMs` saying what it waited for. */
async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const found = await check()
    if (found !== undefined) return found
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** The default policy with a tight key-sharing limit whose incidents suspend the key. */
function policyFile(dir: string): string {
  const source = readFileSync(new URL('../policies/default.yaml', import.meta.url), 'utf8')
  const policy = parse(source) as {
    monitoring: { detectors: Record<string, unknown>; actions: Record<string, unknown> }
  }
  policy.monitoring.detectors.key_sharing = { window_minutes: 10, max_sources: 3 }
  policy.monitoring.actions.key_sharing = {
    medium: ['notify', 'suspend_key'],
    high: ['notify', 'suspend_key'],
  }
  const file = join(dir, 'policy.yaml')
  writeFileSync(file, stringify(policy))
  return file
}

describe.each(testDatabaseKinds(process.env.WARDEN_TEST_DATABASE_URL))(
  'monitoring end to end on $name',
  (database) => {
    let h: Harness
    let receiver: Awaited<ReturnType<typeof startReceiver>>
    let dir: string
    let token: string
    const secret = `whsec_${randomBytes(24).toString('base64')}`

    beforeAll(async () => {
      receiver = await startReceiver()
      dir = mkdtempSync(join(tmpdir(), 'warden-monitoring-'))
      h = await startHarness({
        database,
        values: {
          server: { trustProxy: true },
          policy: { file: policyFile(dir) },
          webhooks: { intervalMs: 50 },
          monitoring: {
            enabled: true,
            intervalMs: 50,
            channels: [
              { id: 'ops', url: `${receiver.url}/ops`, format: 'standard', secret },
              { id: 'chat', url: `${receiver.url}/chat`, format: 'slack' },
            ],
          },
        },
      })
      const bootstrap = await h.services.adminUsers.bootstrap()
      const login = await fetch(`${h.url}/api/admin/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: bootstrap?.token }),
      })
      token = ((await login.json()) as { token: string }).token
    })
    afterAll(async () => {
      await h.close()
      await receiver.close()
      rmSync(dir, { recursive: true, force: true })
    })

    async function admin(method: string, path: string, body?: unknown) {
      const res = await fetch(`${h.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      return { status: res.status, body: (await res.json()) as Json }
    }

    it('turns a key used from many addresses into an incident, suspends it, tells the operator, and lets an admin lift it', async () => {
      const key = await h.createKey({ org: 'acme', app: 'leaky' })
      const client = new OpenAI({ apiKey: key, baseURL: h.baseURL, maxRetries: 0 })
      const ask = (address: string) =>
        client.chat.completions.create(
          { model: 'stub-model', messages: [{ role: 'user', content: 'hello there' }] },
          { headers: { 'x-forwarded-for': address, 'user-agent': 'leaked-script/1.0' } },
        )

      // The application's own server, then the leaked key from four more places.
      await ask('198.51.100.7')
      // (The last of them may already be refused: the monitor reads usage as it comes.)
      for (const address of ['203.0.113.1', '203.0.113.2', '2001:db8:aa:1::5', '203.0.113.4']) {
        await ask(address).catch((error: unknown) => {
          expect(error).toMatchObject({ status: 403, code: 'api_key_suspended' })
        })
      }

      const incident = await waitFor('a key-sharing incident', async () => {
        const list = await admin('GET', '/api/admin/incidents?detector=key_sharing')
        return (list.body.data as Json[] | undefined)?.[0]
      })
      expect(incident).toMatchObject({ detector: 'key_sharing', subject: { kind: 'key' } })
      expect(incident.status).toMatch(/^(open|mitigated)$/)
      const evidence = incident.evidence as { counts: Json; sample_request_ids: string[] }
      expect(evidence.counts.distinct_sources).toBeGreaterThanOrEqual(4)
      expect(evidence.sample_request_ids.length).toBeGreaterThan(0)

      // The policy's mitigation suspends the key: the next call is refused, OpenAI-style.
      const refusal = await waitFor('the key to be refused', async () => {
        try {
          await ask('198.51.100.7')
          return undefined
        } catch (error) {
          return error
        }
      })
      expect(refusal).toBeInstanceOf(OpenAI.APIError)
      expect(refusal).toMatchObject({ status: 403, code: 'api_key_suspended' })

      // The operator's receiver gets a signed Standard Webhooks event, and the chat hook a text.
      const signed = await waitFor('the signed notification', () =>
        Promise.resolve(receiver.received.find((r) => r.path === '/ops')),
      )
      const event = new Webhook(secret).verify(signed.body, signed.headers) as {
        type: string
        data: Json
      }
      expect(event.type).toBe('incident.opened')
      expect(event.data).toMatchObject({ id: incident.id, detector: 'key_sharing' })
      expect(() => new Webhook(secret).verify(`${signed.body} `, signed.headers)).toThrow()
      const chat = await waitFor('the chat notification', () =>
        Promise.resolve(receiver.received.find((r) => r.path === '/chat')),
      )
      const message = JSON.parse(chat.body) as { text: string }
      expect(Object.keys(message)).toEqual(['text'])
      expect(message.text).toContain(`incident ${String(incident.id)}`)
      expect(chat.body).not.toContain(key)

      // An admin reads the incident and lifts the suspension: the key works again.
      const detail = await admin('GET', `/api/admin/incidents/${String(incident.id)}`)
      expect(detail.body.status).toBe('mitigated')
      const suspension = (detail.body.mitigations as Json[]).find((m) => m.kind === 'suspend_key')
      expect(suspension).toMatchObject({ state: 'applied', target_id: incident.key_id })
      const lifted = await admin('POST', `/api/admin/mitigations/${String(suspension?.id)}/lift`, {
        reason: 'rotated the leaked key with the customer',
      })
      expect(lifted).toMatchObject({ status: 200, body: { state: 'lifted' } })
      const answer = await ask('198.51.100.7')
      expect(answer.choices[0]?.message.content).toBeTruthy()

      // Lifting twice is a conflict; a notification cannot be lifted.
      const again = await admin('POST', `/api/admin/mitigations/${String(suspension?.id)}/lift`, {
        reason: 'again',
      })
      expect(again).toMatchObject({ status: 409, body: { error: { code: 'conflict' } } })

      const closed = await admin('POST', `/api/admin/incidents/${String(incident.id)}/close`, {
        note: 'customer rotated the key',
      })
      expect(closed.body).toMatchObject({
        status: 'closed',
        notes: [{ text: 'customer rotated the key' }],
      })

      // Every automatic action and its reversal is in the audit log.
      await h.services.auditLog.flush()
      const audit = await admin('GET', '/api/admin/audit?limit=500')
      const actions = (audit.body.data as Json[]).map(
        (e) => `${String(e.actor)} ${String(e.action)}`,
      )
      expect(actions).toEqual(
        expect.arrayContaining([
          'system:monitor incident.open',
          'system:monitor key.suspend',
          'system:monitor mitigation.apply',
          expect.stringMatching(/^admin:\S+ key\.unsuspend$/),
          expect.stringMatching(/^admin:\S+ mitigation\.lift$/),
          expect.stringMatching(/^admin:\S+ incident\.close$/),
        ]),
      )
      expect(h.logs()).not.toContain(key)
    })

    it('gives usage per application, day and model', async () => {
      const today = new Date().toISOString().slice(0, 10)
      await h.services.usage.flush()
      const daily = await admin('GET', `/api/admin/usage/daily?org=acme&from=${today}&to=${today}`)
      expect(daily.status).toBe(200)
      const rows = daily.body.data as Json[]
      expect(rows).toHaveLength(1)
      expect(rows[0]).toMatchObject({ day: today, model: 'stub-model' })
      // The calls that got through; refusals of the suspended key name no application.
      expect(Number(rows[0]?.requests)).toBeGreaterThanOrEqual(3)
      expect(rows[0]?.ok).toBe(rows[0]?.requests)
      expect(Number(rows[0]?.prompt_tokens)).toBeGreaterThan(0)
    })

    it('answers bad filters and unknown incidents with OpenAI-style errors', async () => {
      const bad = await admin('GET', '/api/admin/incidents?status=burning')
      expect(bad).toMatchObject({ status: 400, body: { error: { code: 'invalid_request_error' } } })
      const missing = await admin('GET', '/api/admin/incidents/inc_nope')
      expect(missing).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } })
      const anonymous = await fetch(`${h.url}/api/admin/incidents`)
      expect(anonymous.status).toBe(401)
    })
  },
)
