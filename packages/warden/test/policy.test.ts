import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseDocument } from 'yaml'
import { DEFAULT_POLICY_FILE, parsePolicy } from '../src/policy/index.js'
import { testDatabaseKinds } from '../src/testing/databases.js'
import { startHarness, type Harness } from '../src/testing/warden-harness.js'

const DAY = 86_400_000

/** The default policy with a sandbox that may use only `stub-model`. */
function testPolicy(edit?: (doc: ReturnType<typeof parseDocument>) => void): string {
  const doc = parseDocument(readFileSync(DEFAULT_POLICY_FILE, 'utf8'))
  doc.setIn(['tiers', 0, 'models'], ['stub-model'])
  edit?.(doc)
  return doc.toString()
}

const HOSTILE = '<script>alert(1)</script> "><img src=x onerror=alert(2)>'

/**
 * The usage policy at request time and on its public pages, end to end: a real server on each
 * database, the official client, and a clock the test moves.
 */
describe.each(testDatabaseKinds(process.env.WARDEN_TEST_DATABASE_URL))(
  'the usage policy on $name',
  (database) => {
    let h: Harness
    let clock = Date.parse('2026-06-01T00:00:00Z')
    const dir = mkdtempSync(join(tmpdir(), 'warden-policy-'))
    const policyFile = join(dir, 'policy.yaml')
    let client: OpenAI
    let orgId: string
    let appId: string

    beforeAll(async () => {
      writeFileSync(policyFile, testPolicy())
      h = await startHarness({
        database,
        env: { WARDEN_POLICY_FILE: policyFile },
        models: [{ id: 'big-model', upstreamModel: 'stub-model' }],
        now: () => clock,
      })
      client = new OpenAI({
        apiKey: await h.createKey({ org: 'acme', app: 'helper' }),
        baseURL: h.baseURL,
        maxRetries: 0,
      })
      const org = await h.services.organizations.findOrganization('acme')
      const app = org && (await h.services.organizations.findApplication(org.id, 'helper'))
      if (!org || !app) throw new Error('the harness made no org or app')
      orgId = org.id
      appId = app.id
    })
    afterAll(async () => {
      await h.close()
      rmSync(dir, { recursive: true, force: true })
    })

    const ask = (model: string) =>
      client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] })

    async function refusal(model: string) {
      try {
        await ask(model)
      } catch (error) {
        if (error instanceof OpenAI.APIError) return error
        throw error
      }
      throw new Error(`${model} was answered`)
    }

    /** The usage event of the request that failed with `error`. */
    async function usageOf(error: { readonly requestID?: string | null | undefined }) {
      await h.services.usage.flush()
      return h.services.store.db
        .selectFrom('usage_event')
        .selectAll()
        .where('request_id', '=', error.requestID ?? '')
        .executeTakeFirstOrThrow()
    }

    /** The audit entry of the request that failed with `error`. */
    async function auditOf(error: { readonly requestID?: string | null | undefined }) {
      await h.services.auditLog.flush()
      return h.services.store.db
        .selectFrom('audit_entry')
        .selectAll()
        .where('action', '=', 'request.refused')
        .where('target', '=', error.requestID ?? '')
        .executeTakeFirstOrThrow()
    }

    it('publishes the configured policy file as version 1 at first start', async () => {
      const versions = await h.services.policyVersions.list()
      expect(versions.map((v) => v.version)).toEqual([1])
      expect(versions[0]?.hash).toBe(parsePolicy(readFileSync(policyFile, 'utf8')).hash)
    })

    it('lets a new application use sandbox models at once', async () => {
      const answer = await ask('stub-model')
      expect(answer.choices[0]?.message.content).toBeTruthy()
    })

    it('refuses a production-only model to a sandbox application, citing the tier clause', async () => {
      const error = await refusal('big-model')
      expect(error.status).toBe(403)
      expect(error.code).toBe('application_not_approved')
      expect(error.message).toContain('/api/portal/applications')
      expect(await usageOf(error)).toMatchObject({
        error_code: 'application_not_approved',
        clause: 'tier.sandbox',
        outcome: 'refused',
      })
      const audit = await auditOf(error)
      expect(JSON.parse(audit.details)).toMatchObject({
        code: 'application_not_approved',
        clause: 'tier.sandbox',
      })
    })

    it('lists only the models the tier allows', async () => {
      const ids = (await client.models.list()).data.map((m) => m.id)
      expect(ids).toContain('stub-model')
      expect(ids).not.toContain('big-model')
    })

    it('refuses production traffic until the organization accepts the policy', async () => {
      await h.services.organizations.setTier(appId, 'production', {
        actor: 'test',
        reason: 'reviewed',
      })
      const error = await refusal('big-model')
      expect(error.status).toBe(403)
      expect(error.code).toBe('policy_acceptance_required')
      expect(error.message).toContain('version 1')
      expect(error.message).toContain('/policy/versions/1')
      expect(await usageOf(error)).toMatchObject({ clause: 'tier.production' })

      await h.services.policyVersions.accept(orgId, 'test')
      expect((await ask('big-model')).choices).toHaveLength(1)
    })

    it('blocks production traffic after the grace period of a version that needs re-acceptance, and not before', async () => {
      const v2 = await h.services.policyVersions.publish(
        parsePolicy(
          testPolicy((doc) => doc.setIn(['prohibited', 0, 'text'], 'No bulk messages at all.')),
        ),
        {
          requiresReacceptance: true,
          graceDays: 7,
          changelog: `Spam rewritten. ${HOSTILE}`,
          actor: 'test',
        },
      )
      expect(v2.version).toBe(2)
      await h.services.policyVersions.refresh()

      clock += 6 * DAY
      expect((await ask('big-model')).choices).toHaveLength(1)

      clock += 2 * DAY
      const error = await refusal('big-model')
      expect(error.code).toBe('policy_acceptance_required')
      expect(error.message).toContain('version 2')
      expect(error.message).toContain('/policy/versions/2')
      // Another application of the organization, still in the sandbox, is not production traffic.
      const sandbox = new OpenAI({
        apiKey: await h.createKey({ org: 'acme', app: 'tryout' }),
        baseURL: h.baseURL,
        maxRetries: 0,
      })
      const answer = await sandbox.chat.completions.create({
        model: 'stub-model',
        messages: [{ role: 'user', content: 'hi' }],
      })
      expect(answer.choices).toHaveLength(1)

      await h.services.policyVersions.accept(orgId, 'test')
      expect((await ask('big-model')).choices).toHaveLength(1)
    })

    it('publishes nothing when the source is the current version again', async () => {
      const current = await h.services.policyVersions.current()
      await expect(
        h.services.policyVersions.publish(parsePolicy(current?.source ?? ''), { actor: 'test' }),
      ).rejects.toMatchObject({ code: 'conflict' })
      expect((await h.services.policyVersions.list()).length).toBe(2)
    })

    it('refuses every model to a suspended application, and serves it again once reinstated', async () => {
      await h.services.organizations.setStatus(appId, 'suspended', {
        actor: 'test',
        reason: 'abuse report under review',
      })
      const error = await refusal('stub-model')
      expect(error.status).toBe(403)
      expect(error.code).toBe('application_suspended')
      await h.services.organizations.setStatus(appId, 'active', {
        actor: 'test',
        reason: 'report closed',
      })
      expect((await ask('stub-model')).choices).toHaveLength(1)
    })

    describe('the public pages', () => {
      async function get(path: string) {
        const response = await fetch(`${h.url}${path}`)
        return { response, text: await response.text() }
      }

      it('shows the current version without scripts, each clause under its id', async () => {
        const { response, text } = await get('/policy')
        expect(response.status).toBe(200)
        expect(response.headers.get('content-type')).toContain('text/html')
        expect(response.headers.get('content-security-policy')).toContain("default-src 'none'")
        expect(text).toContain('Version 2')
        expect(text).toContain('id="prohibited.spam"')
        expect(text).toContain('No bulk messages at all.')
        expect(text).not.toMatch(/<script/i)
      })

      it('lists every version and escapes what the publisher wrote', async () => {
        const { text } = await get('/policy/versions')
        expect(text).toContain('href="/policy/versions/1"')
        expect(text).toContain('href="/policy/versions/2"')
        expect(text).not.toContain('<script>')
        expect(text).not.toContain('<img')
        expect(text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
        expect(text).toContain('&quot;&gt;&lt;img src=x onerror=alert(2)&gt;')
      })

      it('shows an older version with a link to the current one', async () => {
        const { text } = await get('/policy/versions/1')
        expect(text).toContain('Version 1')
        expect(text).toContain('see the current version')
        expect(text).not.toContain('No bulk messages at all.')
      })

      it('shows a clause-aware diff between two versions', async () => {
        const { response, text } = await get('/policy/diff?from=1&to=2')
        expect(response.status).toBe(200)
        expect(text).toContain('prohibited.spam')
        expect(text).toContain('<ins> at all</ins>')
        expect(text).toContain('<del>Do not use the models to write or send messages in</del>')
        expect(text).toContain('1 clause(s) changed, added or removed')
        expect(text).not.toContain('<script>')
      })

      it('serves the current version and each version as JSON', async () => {
        const current = (await (await fetch(`${h.url}/policy.json`)).json()) as {
          version: number
          document: { name: string }
          clauses: Array<{ id: string }>
        }
        expect(current.version).toBe(2)
        expect(current.clauses.map((c) => c.id)).toContain('prohibited.spam')
        const first = (await (await fetch(`${h.url}/policy/versions/1.json`)).json()) as {
          version: number
          requires_reacceptance: boolean
        }
        expect(first).toMatchObject({ version: 1, requires_reacceptance: true })
      })

      it('answers a version that does not exist with 404 and a bad number with 400', async () => {
        expect((await get('/policy/versions/99')).response.status).toBe(404)
        expect((await get('/policy/versions/99.json')).response.status).toBe(404)
        const bad = await get('/policy/diff?from=one&to=2')
        expect(bad.response.status).toBe(400)
        expect(JSON.parse(bad.text)).toMatchObject({ error: { param: 'from' } })
      })
    })
  },
)
