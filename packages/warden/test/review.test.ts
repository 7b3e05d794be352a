import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { UseCaseApplicationDto } from '../src/contract/index.js'
import { createLogger } from '../src/logger.js'
import { createServices } from '../src/services.js'
import { testDatabaseKinds } from '../src/testing/databases.js'
import { startHarness, type Harness } from '../src/testing/warden-harness.js'

/** What the routes answer, loosely: each test reads the fields its route returns. */
type Reply = UseCaseApplicationDto & {
  error: { code: string; param: string | null }
  token: string
  secret: string
  key: string
  data: UseCaseApplicationDto[]
}

interface Received {
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

/** A webhook receiver on a real socket; answers `status()` to every delivery. */
async function startReceiver(port = 0, status = () => 204) {
  const received: Received[] = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (d: Buffer) => (body += d.toString()))
    req.on('end', () => {
      received.push({ headers: req.headers, body })
      res.writeHead(status()).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    port: (server.address() as AddressInfo).port,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

const MEDICAL = {
  description:
    'A chatbot for our clinic that answers patients questions about their symptoms and medication before they see a doctor.',
  domains: [],
  audience: ['consumers'],
  human_oversight: true,
}
const SPAM = {
  description:
    'Send 50k personalised cold emails a day from rotating domains to a purchased list of leads.',
}

describe.each(testDatabaseKinds(process.env.WARDEN_TEST_DATABASE_URL))(
  'use-case application review on $name',
  (database) => {
    let h: Harness
    let clock = Date.parse('2026-07-01T00:00:00Z')
    let receiver: Awaited<ReturnType<typeof startReceiver>>
    const tokens: Record<string, string> = {}

    async function call(
      method: string,
      path: string,
      who: string | null,
      body?: unknown,
    ): Promise<{ status: number; json: Reply }> {
      const response = await fetch(`${h.url}${path}`, {
        method,
        headers: {
          ...(who ? { authorization: `Bearer ${tokens[who]}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      const text = await response.text()
      return { status: response.status, json: (text ? JSON.parse(text) : {}) as Reply }
    }

    /** Invites a person and signs them in; keeps their session under `name`. */
    async function person(name: string, role: string, org: string | null) {
      const orgId = org && (await h.services.organizations.findOrganization(org))?.id
      const invited = await h.services.adminUsers.invite({
        username: `${name}@example.test`,
        role: role as 'admin',
        orgId: orgId ?? null,
        actor: 'test',
      })
      const login = await call('POST', '/api/admin/login', null, { token: invited.token })
      expect(login.status).toBe(200)
      tokens[name] = login.json.token
    }

    async function ask(key: string, model: string) {
      const response = await fetch(`${h.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
      })
      const json = (await response.json()) as { error?: { code: string } }
      return response.ok ? 'ok' : (json.error?.code ?? String(response.status))
    }

    beforeAll(async () => {
      receiver = await startReceiver()
      h = await startHarness({
        database,
        models: [{ id: 'big-model', upstreamModel: 'stub-model' }],
        values: { webhooks: { allowHttp: true, allowPrivateNetworks: true, intervalMs: 50 } },
        now: () => clock,
      })
      await h.services.policyVersions.publish(
        (await import('../src/policy/index.js')).parsePolicy(
          (await h.services.policyVersions.current())!.source.replace(
            "models: ['*']",
            "models: ['stub-model']",
          ),
        ),
        { actor: 'test' },
      )
      await h.services.policyVersions.refresh()
      await h.services.organizations.createOrganization('acme', 'test')
      await h.services.organizations.createOrganization('globex', 'test')
      await person('root', 'admin', null)
      await person('rita', 'reviewer', null)
      await person('ravi', 'reviewer', null)
      await person('olga', 'org_owner', 'acme')
      await person('dev', 'org_developer', 'acme')
      await person('gus', 'org_owner', 'globex')
    })
    afterAll(async () => {
      await h.close()
      await receiver.close()
    })

    describe('the walk through every state', () => {
      let id: string
      let key: string

      it('lets a member start a draft and a key that works in the sandbox only', async () => {
        const hook = await call('PUT', '/api/portal/webhook', 'olga', { url: receiver.url })
        expect(hook.status).toBe(200)
        expect(hook.json.secret).toMatch(/^whsec_/)
        tokens.hookSecret = hook.json.secret

        const draft = await call('POST', '/api/portal/applications', 'dev', {
          app: 'helper',
          form: MEDICAL,
        })
        expect(draft.status).toBe(201)
        expect(draft.json.state).toBe('draft')
        id = draft.json.id
        const created = await call('POST', '/api/portal/apps/helper/keys', 'dev', {})
        expect(created.status).toBe(201)
        key = created.json.key
        expect(await ask(key, 'stub-model')).toBe('ok')
        expect(await ask(key, 'big-model')).toBe('application_not_approved')
      })

      it('sends a plainly medical use case to a reviewer even with no domain declared', async () => {
        const submitted = await call('POST', `/api/portal/applications/${id}/submit`, 'dev')
        expect(submitted.status).toBe(200)
        expect(submitted.json.state).toBe('in_review')
        expect(submitted.json.prescreen?.outcome).toBe('high_scrutiny')
        expect(submitted.json.prescreen?.clauses.map((c) => c.id)).toContain(
          'high_scrutiny.medicine',
        )
      })

      it('lets a reviewer ask for changes, and the member edit and resubmit', async () => {
        const members = await call('POST', `/api/admin/applications/${id}/decision`, 'dev', {
          decision: 'approve',
          reason: 'x',
          clauses: ['tier.production'],
        })
        expect(members.status).toBe(403)
        const changes = await call('POST', `/api/admin/applications/${id}/decision`, 'rita', {
          decision: 'request_changes',
          reason: 'Say who reviews answers before patients see them.',
          clauses: ['high_scrutiny.medicine', 'mitigation.human_review'],
        })
        expect(changes.json.state).toBe('needs_changes')
        const edited = await call('PUT', `/api/portal/applications/${id}`, 'dev', {
          form: { ...MEDICAL, safeguards: 'A nurse reads every answer before it is sent.' },
        })
        expect(edited.status).toBe(200)
        const again = await call('POST', `/api/portal/applications/${id}/submit`, 'dev')
        expect(again.json.state).toBe('in_review')
      })

      it('refuses a decision without clauses or with a clause the policy does not have', async () => {
        const none = await call('POST', `/api/admin/applications/${id}/decision`, 'rita', {
          decision: 'reject',
          reason: 'no',
          clauses: [],
        })
        expect(none.status).toBe(400)
        expect(none.json.error.param).toBe('clauses')
        const unknown = await call('POST', `/api/admin/applications/${id}/decision`, 'rita', {
          decision: 'reject',
          reason: 'no',
          clauses: ['prohibited.time_travel'],
        })
        expect(unknown.status).toBe(400)
        expect((await call('GET', `/api/admin/applications/${id}`, 'rita')).json.state).toBe(
          'in_review',
        )
      })

      it('rejects, takes one appeal from an owner only, and has another reviewer decide it', async () => {
        const rejected = await call('POST', `/api/admin/applications/${id}/decision`, 'rita', {
          decision: 'reject',
          reason: 'Diagnosis without a clinician in the loop.',
          clauses: ['high_scrutiny.medicine'],
        })
        expect(rejected.json.state).toBe('rejected')
        expect(await ask(key, 'big-model')).toBe('application_not_approved')

        const byDeveloper = await call('POST', `/api/portal/applications/${id}/appeal`, 'dev', {
          reason: 'please',
        })
        expect(byDeveloper.status).toBe(403)
        const appealed = await call('POST', `/api/portal/applications/${id}/appeal`, 'olga', {
          reason: 'A nurse reads every answer; we added it to the form.',
        })
        expect(appealed.json.state).toBe('appealed')

        const sameReviewer = await call('POST', `/api/admin/applications/${id}/decision`, 'rita', {
          decision: 'approve',
          reason: 'ok',
          clauses: ['high_scrutiny.medicine'],
        })
        expect(sameReviewer.status).toBe(403)
        const approved = await call('POST', `/api/admin/applications/${id}/decision`, 'ravi', {
          decision: 'approve_with_conditions',
          reason: 'A nurse reviews every answer.',
          clauses: ['high_scrutiny.medicine', 'mitigation.human_review'],
          conditions: 'Keep the nurse review; tell patients they talk to an AI.',
        })
        expect(approved.json.state).toBe('approved_with_conditions')
        expect(approved.json.tier).toBe('production')
      })

      it('needs the policy accepted before production traffic flows', async () => {
        expect(await ask(key, 'big-model')).toBe('policy_acceptance_required')
        const byDeveloper = await call('POST', '/api/portal/policy/accept', 'dev', {})
        expect(byDeveloper.status).toBe(403)
        expect((await call('POST', '/api/portal/policy/accept', 'olga', {})).status).toBe(201)
        expect(await ask(key, 'big-model')).toBe('ok')
      })

      it('suspends, reinstates and revokes, and the pipeline follows each', async () => {
        const suspended = await call('POST', `/api/admin/applications/${id}/suspend`, 'rita', {
          reason: 'Complaint under investigation.',
          clauses: ['high_scrutiny.medicine'],
        })
        expect(suspended.json.state).toBe('suspended')
        expect(await ask(key, 'stub-model')).toBe('application_suspended')
        const reinstated = await call('POST', `/api/admin/applications/${id}/reinstate`, 'rita', {
          reason: 'Complaint closed.',
        })
        expect(reinstated.json.state).toBe('approved_with_conditions')
        expect(await ask(key, 'big-model')).toBe('ok')
        const revoked = await call('POST', `/api/admin/applications/${id}/revoke`, 'root', {
          reason: 'Conditions broken.',
          clauses: ['mitigation.human_review'],
        })
        expect(revoked.json.state).toBe('revoked')
        expect(await ask(key, 'stub-model')).toBe('application_suspended')
        const again = await call('POST', `/api/admin/applications/${id}/reinstate`, 'rita', {
          reason: 'no',
        })
        expect(again.status).toBe(409)
      })

      it('audits every transition with its clauses and tells the webhook, signed', async () => {
        const history = (await call('GET', `/api/portal/applications/${id}`, 'olga')).json.history
        expect(history.map((e) => e.to)).toEqual([
          'in_review',
          'needs_changes',
          'in_review',
          'rejected',
          'appealed',
          'approved_with_conditions',
          'suspended',
          'approved_with_conditions',
          'revoked',
        ])
        await h.services.auditLog.flush()
        const audited = await h.services.store.db
          .selectFrom('audit_entry')
          .select(['action', 'details'])
          .where('target', '=', id)
          .where('action', 'like', 'application.%')
          .orderBy('seq')
          .execute()
        expect(audited.map((a) => a.action)).toEqual([
          'application.create',
          'application.submit',
          'application.request_changes',
          'application.update',
          'application.submit',
          'application.reject',
          'application.appeal',
          'application.approve_with_conditions',
          'application.suspend',
          'application.reinstate',
          'application.revoke',
        ])
        expect(JSON.parse(audited[5]?.details ?? '{}')).toMatchObject({
          clauses: ['high_scrutiny.medicine'],
        })

        await expect.poll(() => receiver.received.length, { timeout: 5_000 }).toBe(9)
        const verifier = new Webhook(tokens.hookSecret ?? '')
        const types = receiver.received.map((r) => {
          const payload = verifier.verify(r.body, {
            'webhook-id': String(r.headers['webhook-id']),
            'webhook-timestamp': String(r.headers['webhook-timestamp']),
            'webhook-signature': String(r.headers['webhook-signature']),
          }) as { type: string; data: { id: string } }
          expect(payload.data.id).toBe(id)
          return payload.type
        })
        expect(types).toEqual(history.map((e) => `application.${e.to}`))
        expect(() =>
          verifier.verify(`${receiver.received[0]?.body ?? ''} `, {
            'webhook-id': String(receiver.received[0]?.headers['webhook-id']),
            'webhook-timestamp': String(receiver.received[0]?.headers['webhook-timestamp']),
            'webhook-signature': String(receiver.received[0]?.headers['webhook-signature']),
          }),
        ).toThrow()
      })
    })

    it('rejects a prohibited use case at once, naming the clause, and allows one appeal', async () => {
      const draft = await call('POST', '/api/portal/applications', 'olga', {
        app: 'outreach',
        form: SPAM,
      })
      const id = draft.json.id
      const submitted = await call('POST', `/api/portal/applications/${id}/submit`, 'olga')
      expect(submitted.json.state).toBe('auto_rejected')
      expect(submitted.json.prescreen?.outcome).toBe('prohibited')
      expect(submitted.json.history.at(-1)?.clauses).toContain('prohibited.spam')
      expect(submitted.json.history.at(-1)?.reason).toContain('prohibited.spam')
      const appealed = await call('POST', `/api/portal/applications/${id}/appeal`, 'olga', {
        reason: 'These are opted-in customers.',
      })
      expect(appealed.json.state).toBe('appealed')
      await call('POST', `/api/admin/applications/${id}/decision`, 'rita', {
        decision: 'reject',
        reason: 'Purchased lists are not opt-in.',
        clauses: ['prohibited.spam'],
      })
      const twice = await call('POST', `/api/portal/applications/${id}/appeal`, 'olga', {
        reason: 'again',
      })
      expect(twice.status).toBe(409)
    })

    it('lets exactly one of two racing decisions win', async () => {
      const draft = await call('POST', '/api/portal/applications', 'olga', {
        app: 'race',
        form: MEDICAL,
      })
      const id = draft.json.id
      await call('POST', `/api/portal/applications/${id}/submit`, 'olga')
      const results = await Promise.all([
        call('POST', `/api/admin/applications/${id}/decision`, 'rita', {
          decision: 'approve',
          reason: 'fine',
          clauses: ['high_scrutiny.medicine'],
        }),
        call('POST', `/api/admin/applications/${id}/decision`, 'ravi', {
          decision: 'reject',
          reason: 'not fine',
          clauses: ['high_scrutiny.medicine'],
        }),
      ])
      expect(results.map((r) => r.status).sort()).toEqual([200, 409])
      const winner = results.find((r) => r.status === 200)?.json.state
      const final = await call('GET', `/api/admin/applications/${id}`, 'root')
      expect(final.json.state).toBe(winner)
      expect(final.json.history.filter((e) => e.from === 'in_review')).toHaveLength(1)
    })

    it('shows a member only their own organization', async () => {
      const acme = (await call('GET', '/api/portal/applications', 'olga')).json.data
      expect(acme.length).toBeGreaterThan(0)
      const theirs = await call('GET', '/api/portal/applications', 'gus')
      expect(theirs.json.data).toEqual([])
      for (const a of acme) {
        expect((await call('GET', `/api/portal/applications/${a.id}`, 'gus')).status).toBe(404)
        expect(
          (
            await call('POST', `/api/portal/applications/${a.id}/appeal`, 'gus', {
              reason: 'x',
            })
          ).status,
        ).toBe(404)
      }
      const keys = await h.services.apiKeys.listKeys({
        orgId: (await h.services.organizations.findOrganization('acme'))?.id ?? '',
      })
      expect(keys.length).toBeGreaterThan(0)
      const revoke = await call('POST', `/api/portal/keys/${keys[0]?.id ?? ''}/revoke`, 'gus')
      expect(revoke.status).toBe(404)
      expect((await call('GET', '/api/portal/apps/helper/keys', 'gus')).status).toBe(404)
    })

    it('enforces who may call every admin and portal route', async () => {
      const acmeApp = (await call('GET', '/api/portal/applications', 'olga')).json.data[0]?.id ?? ''
      const acmeKey = (
        await h.services.apiKeys.listKeys({
          orgId: (await h.services.organizations.findOrganization('acme'))?.id ?? '',
        })
      )[0]?.id as string
      type Rule = 'any' | 'admin' | 'reviewer' | 'member' | 'owner'
      // Bodies are empty or invalid: an allowed caller gets 400, 404 or 409 and nothing changes.
      const routes: Array<[string, string, Rule, unknown?]> = [
        ['GET', '/api/admin/me', 'any'],
        ['POST', '/api/admin/password', 'any', {}],
        ['GET', '/api/admin/organizations', 'admin'],
        ['POST', '/api/admin/organizations', 'admin', {}],
        ['GET', '/api/admin/organizations/acme/applications', 'admin'],
        ['POST', '/api/admin/organizations/acme/applications', 'admin', {}],
        ['GET', '/api/admin/organizations/acme/applications/helper/keys', 'admin'],
        ['POST', '/api/admin/organizations/acme/applications/helper/keys', 'admin', { models: [] }],
        ['POST', '/api/admin/organizations/acme/applications/helper/tier', 'admin', {}],
        ['POST', '/api/admin/organizations/acme/applications/helper/status', 'admin', {}],
        ['GET', '/api/admin/organizations/acme/policy-acceptances', 'admin'],
        ['POST', '/api/admin/organizations/acme/policy-acceptances', 'admin', { version: 0 }],
        ['GET', '/api/admin/keys', 'admin'],
        ['POST', '/api/admin/keys/key_doesnotexist0000/revoke', 'admin'],
        ['GET', '/api/admin/audit', 'admin'],
        ['GET', '/api/admin/audit/verify', 'admin'],
        ['GET', '/api/admin/policy/versions', 'admin'],
        ['POST', '/api/admin/policy/versions', 'admin', {}],
        ['GET', '/api/admin/limits/keys/key_doesnotexist0000', 'admin'],
        ['PUT', '/api/admin/limits/keys/key_doesnotexist0000', 'admin', {}],
        ['DELETE', '/api/admin/limits/keys/key_doesnotexist0000', 'admin'],
        ['GET', '/api/admin/usage?org=acme', 'admin'],
        ['GET', '/api/admin/requests/req_none/content', 'reviewer'],
        ['GET', '/api/admin/users', 'admin'],
        ['POST', '/api/admin/users', 'admin', {}],
        ['GET', '/api/admin/applications', 'reviewer'],
        ['GET', `/api/admin/applications/${acmeApp}`, 'reviewer'],
        ['POST', `/api/admin/applications/${acmeApp}/decision`, 'reviewer', {}],
        ['POST', `/api/admin/applications/${acmeApp}/suspend`, 'reviewer', {}],
        ['POST', `/api/admin/applications/${acmeApp}/reinstate`, 'reviewer', {}],
        ['POST', `/api/admin/applications/${acmeApp}/revoke`, 'reviewer', {}],
        ['GET', '/api/portal/me', 'member'],
        ['GET', '/api/portal/policy', 'member'],
        ['POST', '/api/portal/policy/accept', 'owner', { version: 0 }],
        ['GET', '/api/portal/members', 'member'],
        ['POST', '/api/portal/members', 'owner', {}],
        ['GET', '/api/portal/webhook', 'member'],
        ['PUT', '/api/portal/webhook', 'owner', {}],
        ['GET', '/api/portal/webhook/deliveries', 'member'],
        ['GET', '/api/portal/usage', 'member'],
        ['GET', '/api/portal/apps', 'member'],
        ['POST', '/api/portal/apps', 'member', {}],
        ['GET', '/api/portal/apps/helper/keys', 'member'],
        ['POST', '/api/portal/apps/helper/keys', 'member', { models: [] }],
        ['POST', `/api/portal/keys/${acmeKey}/revoke`, 'member'],
        ['GET', '/api/portal/applications', 'member'],
        ['POST', '/api/portal/applications', 'member', {}],
        ['GET', `/api/portal/applications/${acmeApp}`, 'member'],
        ['PUT', `/api/portal/applications/${acmeApp}`, 'member', {}],
        ['POST', `/api/portal/applications/${acmeApp}/submit`, 'member'],
        ['POST', `/api/portal/applications/${acmeApp}/appeal`, 'owner', {}],
      ]
      const roles = ['root', 'rita', 'olga', 'dev', 'gus'] as const
      const allowed = (rule: Rule, who: (typeof roles)[number]) =>
        rule === 'any' ||
        (rule === 'admin' && who === 'root') ||
        (rule === 'reviewer' && (who === 'root' || who === 'rita')) ||
        (rule === 'member' && (who === 'olga' || who === 'dev' || who === 'gus')) ||
        (rule === 'owner' && (who === 'olga' || who === 'gus'))
      // Portal paths that name an acme object: another organization's owner gets 404.
      const acmeObject = (path: string) =>
        path.includes(acmeApp) || path.includes(acmeKey) || path.includes('/apps/helper')
      const seen: string[] = []
      for (const [method, path, rule, body] of routes) {
        const anonymous = await call(method, path, null, body)
        seen.push(`${method} ${path} anonymous ${anonymous.status}`)
        expect(anonymous.status, `${method} ${path} anonymous`).toBe(401)
        for (const who of roles) {
          const { status } = await call(method, path, who, body)
          const expected = !allowed(rule, who)
            ? 403
            : who === 'gus' && path.startsWith('/api/portal') && acmeObject(path)
              ? 404
              : null
          if (expected === null) {
            expect([401, 403], `${method} ${path} as ${who}: ${status}`).not.toContain(status)
          } else {
            expect(status, `${method} ${path} as ${who}`).toBe(expected)
          }
        }
      }
      expect(seen).toHaveLength(routes.length)
      // Nothing those calls did changed acme's application.
      expect((await call('GET', `/api/admin/applications/${acmeApp}`, 'root')).json.state).not.toBe(
        'draft',
      )
    })

    it('shows reviewers the queue and each application in pages that escape what applicants wrote', async () => {
      const hostile = '<script>alert(1)</script> "><img src=x onerror=alert(2)>'
      const draft = await call('POST', '/api/portal/applications', 'olga', {
        app: 'hostile',
        form: {
          description: `A patient symptom checker for our clinic. ${hostile}`,
          safeguards: `Nurses review. ${hostile}`,
          samples: [{ prompt: hostile, output: hostile }],
        },
      })
      await call('POST', `/api/portal/applications/${draft.json.id}/submit`, 'olga')
      const users = await h.services.adminUsers.listUsers()
      const rita = users.find((u) => u.username === 'rita@example.test')
      const olga = users.find((u) => u.username === 'olga@example.test')
      await h.services.adminUsers.setPassword(rita?.id ?? '', 'correct horse battery', 'test')
      await h.services.adminUsers.setPassword(olga?.id ?? '', 'correct horse battery', 'test')
      // A new password ends the other sessions: sign both in again for the tests after this one.
      for (const name of ['rita', 'olga']) {
        tokens[name] = (
          await call('POST', '/api/admin/login', null, {
            username: `${name}@example.test`,
            password: 'correct horse battery',
          })
        ).json.token
      }

      const signIn = (username: string, password: string) =>
        fetch(`${h.url}/review/login`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ username, password }).toString(),
        })
      expect((await signIn('rita@example.test', 'wrong password!')).status).toBe(401)
      expect((await signIn('olga@example.test', 'correct horse battery')).status).toBe(403)
      const signedIn = await signIn('rita@example.test', 'correct horse battery')
      expect(signedIn.status).toBe(303)
      const cookie = signedIn.headers.get('set-cookie') ?? ''
      expect(cookie).toMatch(/^warden_review=wds_[^;]+; Path=\/review; HttpOnly; SameSite=Strict/)

      const anonymous = await fetch(`${h.url}/review`, { redirect: 'manual' })
      expect(anonymous.status).toBe(303)
      expect(anonymous.headers.get('location')).toBe('/review/login')

      const pages = [
        await fetch(`${h.url}/review?state=in_review`, {
          headers: { cookie: cookie.split(';')[0] ?? '' },
        }),
        await fetch(`${h.url}/review/applications/${draft.json.id}`, {
          headers: { cookie: cookie.split(';')[0] ?? '' },
        }),
      ]
      for (const response of pages) {
        expect(response.status).toBe(200)
        expect(response.headers.get('content-security-policy')).toContain("default-src 'none'")
        const text = await response.text()
        expect(text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
        expect(text).toContain('&quot;&gt;&lt;img src=x onerror=alert(2)&gt;')
        expect(text).not.toMatch(/<script|<img/i)
      }
      // The public policy pages never show what applicants wrote.
      expect(await (await fetch(`${h.url}/policy`)).text()).not.toContain('alert(2)')
    })

    it('keeps a webhook delivery through a failing endpoint and a restart', async () => {
      const down = await startReceiver(0, () => 503)
      const port = down.port
      await call('PUT', '/api/portal/webhook', 'gus', { url: down.url })
      const draft = await call('POST', '/api/portal/applications', 'gus', {
        app: 'gus-app',
        form: SPAM,
      })
      await call('POST', `/api/portal/applications/${draft.json.id}/submit`, 'gus')
      await expect.poll(() => down.received.length, { timeout: 5_000 }).toBeGreaterThan(0)
      await h.services.webhooks.close()
      await down.close()
      const pending = await h.services.webhooks.deliveries(
        (await h.services.organizations.findOrganization('globex'))?.id ?? '',
      )
      expect(pending[0]).toMatchObject({
        delivered_at: null,
        last_error: 'the endpoint answered 503',
      })

      // A new process on the same database: the outbox is still there, and delivers.
      const up = await startReceiver(port)
      const restarted = await createServices(h.config, {
        logger: createLogger(
          h.config.log,
          new Writable({ write: (_chunk, _encoding, done) => done() }),
        ),
        now: () => clock,
      })
      try {
        clock += 10 * 60_000
        expect(await restarted.webhooks.deliverDue()).toBe(1)
        expect(up.received).toHaveLength(1)
        expect(JSON.parse(up.received[0]?.body ?? '{}')).toMatchObject({
          type: 'application.auto_rejected',
        })
      } finally {
        await restarted.close()
        await up.close()
      }
    })
  },
)
