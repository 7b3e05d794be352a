import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseDocument, type Document } from 'yaml'
import { DEFAULT_POLICY_FILE, parsePolicy } from '../src/policy/index.js'
import { dumpStore } from '../src/testing/store-fixture.js'
import { startHarness, type Harness } from '../src/testing/warden-harness.js'

const bin = join(resolve(import.meta.dirname, '..'), 'bin', 'warden.js')
const DAY = 86_400_000

interface ContentBody {
  request_id: string
  texts: Array<{ direction: string; index: number; kind: string; text: string | null }>
  findings: Array<{ category: string; label: string; action: string; text_index: number }>
  error?: { code: string }
}

/**
 * What the usage policy's retention keeps of requests, end to end: a real server on SQLite, the
 * stub upstream, the admin API and the `warden retention purge` command.
 */
describe('kept content of flagged requests', () => {
  let h: Harness
  let key: string
  let admin: string

  beforeAll(async () => {
    h = await startHarness()
    key = await h.createKey()
    const bootstrap = await h.services.adminUsers.bootstrap()
    const login = await fetch(`${h.url}/api/admin/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: bootstrap?.token }),
    })
    admin = ((await login.json()) as { token: string }).token
  })
  afterAll(async () => {
    await h.close()
  })

  /** Sends one chat prompt; answers the request id the server gave it. */
  async function chat(...contents: string[]): Promise<string> {
    const res = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'stub-model',
        messages: contents.map((content) => ({ role: 'user', content })),
      }),
    })
    expect(res.status).toBe(200)
    await res.text()
    await h.services.contentTexts.flush()
    await h.services.findings.flush()
    return res.headers.get('x-request-id') ?? ''
  }

  async function readContent(requestId: string) {
    const res = await fetch(`${h.url}/api/admin/requests/${requestId}/content`, {
      headers: { authorization: `Bearer ${admin}` },
    })
    return { status: res.status, body: (await res.json()) as ContentBody }
  }

  /** Publishes the default policy with its retention section edited, and loads it. */
  async function publishRetention(
    retention: Record<string, unknown>,
    edit?: (doc: Document) => void,
  ) {
    const doc = parseDocument(readFileSync(DEFAULT_POLICY_FILE, 'utf8'))
    for (const [field, value] of Object.entries(retention)) doc.setIn(['retention', field], value)
    edit?.(doc)
    await h.services.policyVersions.publish(parsePolicy(doc.toString()), { actor: 'test' })
    await h.services.policyVersions.refresh()
  }

  it('keeps the text of a flagged prompt for the admin API, audits each read, and nothing of an unflagged one', async () => {
    const flagged = await chat('Please call me back on +34 612 345 678 about my order.')
    const plain = await chat('Summarise the quarterly report in three bullet points.')

    const read = await readContent(flagged)
    expect(read.status).toBe(200)
    expect(read.body.texts).toEqual([
      expect.objectContaining({
        direction: 'input',
        index: 0,
        kind: 'text',
        text: 'Please call me back on +34 612 345 678 about my order.',
        redacted: false,
      }),
      // The answer of a flagged request is evidence too.
      expect.objectContaining({
        direction: 'output',
        index: 0,
        kind: 'text',
        text: 'Hello from the stub upstream.',
      }),
    ])
    expect(read.body.findings).toEqual([
      expect.objectContaining({
        category: 'pii',
        label: 'phone',
        action: 'flag',
        text_index: 0,
        span: { start: 23, end: 38 },
      }),
    ])

    const unflagged = await readContent(plain)
    expect(unflagged.status).toBe(404)
    expect(unflagged.body.error?.code).toBe('not_found')

    await h.services.auditLog.flush()
    const reads = await h.services.auditLog.list({ afterSeq: 0, limit: 1000 })
    expect(reads.filter((e) => e.action === 'content.read')).toEqual([
      expect.objectContaining({ target: flagged, details: '{"hashes":0,"texts":2}' }),
    ])
    const anonymous = await fetch(`${h.url}/api/admin/requests/${flagged}/content`)
    expect(anonymous.status).toBe(401)
  })

  it('never stores a secret or a card number in the clear, even where the policy only flags secrets', async () => {
    const secret = 'sk-proj-Q7vLx2Rk9TfWm4Zs8NcY3HbJd6PqA1Ue'
    const card = '4111 1111 1111 1111'
    const redacted = await chat(`My card ${card} failed; our key is ${secret}.`)
    expect((await readContent(redacted)).body.texts[0]).toMatchObject({
      text: 'My card [PAYMENT_CARD_1] failed; our key is [OPENAI_KEY_1].',
      redacted: true,
    })

    // A tier that only flags secrets: the upstream gets the key, the kept text does not.
    await publishRetention({}, (doc) => {
      const { categories } = doc.toJS() as { categories: Array<{ id: string }> }
      const secrets = categories.findIndex((c) => c.id === 'secrets')
      doc.setIn(['categories', secrets, 'actions', 'sandbox', 'action'], 'flag')
    })
    const flaggedOnly = await chat(`Deploy with ${secret} please.`)
    const upstream = h.stub.requests.filter((r) => r.path.endsWith('/chat/completions')).at(-1)
    expect(JSON.stringify(upstream?.body)).toContain(secret)
    expect((await readContent(flaggedOnly)).body.texts[0]).toMatchObject({
      text: 'Deploy with [OPENAI_KEY_1] please.',
      redacted: true,
    })

    const stored = await dumpStore(h.services.store)
    expect(stored).not.toContain(secret)
    expect(stored).not.toContain(card)
  })

  it('keeps only a hash of unflagged prompts when the policy says hash, and no text at 0 days', async () => {
    await publishRetention({ unflagged_content: 'hash', flagged_content_days: 0 })
    const text = 'What is the capital of Portugal?'
    const plain = await chat(text)
    const hashed = await readContent(plain)
    const sha256 = (t: string) => createHash('sha256').update(t, 'utf8').digest('hex')
    expect(hashed.body.texts).toEqual([
      expect.objectContaining({
        direction: 'input',
        kind: 'hash',
        text: null,
        sha256: sha256(text),
      }),
      expect.objectContaining({
        direction: 'output',
        kind: 'hash',
        text: null,
        sha256: sha256('Hello from the stub upstream.'),
      }),
    ])

    const flagged = await chat('Text me at +34 612 345 678.')
    expect((await readContent(flagged)).body.texts).toEqual([
      expect.objectContaining({ direction: 'input', kind: 'hash', text: null }),
      expect.objectContaining({ direction: 'output', kind: 'hash', text: null }),
    ])
    await publishRetention({ unflagged_content: 'none', flagged_content_days: 30 })
  })

  it('purges with `warden retention purge`: expired texts go, fresh ones stay, and the API answers 404', async () => {
    const old = await chat('Old: call +34 612 345 678.')
    const fresh = await chat('Fresh: call +34 612 345 679.')
    // Stored 31 days ago under a 30-day policy.
    const past = Date.now() - 31 * DAY
    await h.services.store.db
      .updateTable('content_text')
      .set({ at: past, expires_at: past + 30 * DAY })
      .where('request_id', '=', old)
      .execute()

    expect((await readContent(old)).status).toBe(404)
    const out = spawnSync(process.execPath, [bin, 'retention', 'purge', '--json'], {
      cwd: mkdtempSync(join(tmpdir(), 'warden-retention-')),
      env: { PATH: process.env.PATH, WARDEN_SQLITE_PATH: h.config.database.sqlitePath },
      encoding: 'utf8',
    })
    expect(out.status, out.stderr).toBe(0)
    expect(JSON.parse(out.stdout)).toMatchObject({ texts: 2 })
    const left = await h.services.store.db
      .selectFrom('content_text')
      .select('request_id')
      .where('request_id', 'in', [old, fresh])
      .execute()
    // The fresh request's prompt and answer.
    expect(left).toEqual([{ request_id: fresh }, { request_id: fresh }])
    expect((await readContent(fresh)).status).toBe(200)
  })
})
