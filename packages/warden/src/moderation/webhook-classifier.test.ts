import { randomBytes } from 'node:crypto'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sendJson, startJsonServer, type JsonTestServer } from '../testing/json-test-server.js'
import { webhookClassifierKind } from './webhook-classifier.js'

const SECRET = `whsec_${randomBytes(24).toString('base64')}`

/**
 * An endpoint as an operator would write one: it verifies the Standard Webhooks signature and
 * refuses what it cannot verify, then reports every "buy now" as spam with its place.
 */
let server: JsonTestServer
let answerOverride: unknown
beforeAll(async () => {
  const verifier = new Webhook(SECRET)
  server = await startJsonServer((req, res) => {
    try {
      verifier.verify(req.body, {
        'webhook-id': String(req.headers['webhook-id']),
        'webhook-timestamp': String(req.headers['webhook-timestamp']),
        'webhook-signature': String(req.headers['webhook-signature']),
      })
    } catch {
      return sendJson(res, 401, { error: 'bad signature' })
    }
    if (answerOverride !== undefined) return sendJson(res, 200, answerOverride)
    const { text } = JSON.parse(req.body) as { text: string }
    const findings = [...text.matchAll(/buy now/gi)].map((m) => ({
      category: 'spam',
      score: 0.9,
      start: m.index,
      end: m.index + m[0].length,
      label: 'call_to_action',
    }))
    sendJson(res, 200, { findings })
  })
})
afterAll(() => server.close())

function hook(raw: Record<string, unknown> = {}) {
  const options = webhookClassifierKind.options.parse({
    url: `${server.origin}/classify`,
    secret: SECRET,
    ...raw,
  })
  return webhookClassifierKind.create('hook', options, { baseDir: process.cwd(), env: {} })
}
const classify = async (text: string, raw: Record<string, unknown> = {}) =>
  (await hook(raw)).classify({ text, direction: 'output', signal: AbortSignal.timeout(5_000) })

describe('webhook classifier', () => {
  it('posts the documented body, signed, and takes the findings with their spans', async () => {
    const text = 'Great deal 😀 — BUY NOW, really, buy now!'
    const findings = await classify(text)
    expect(JSON.parse(server.received.at(-1)?.body ?? '')).toEqual({
      text,
      direction: 'output',
      classifier_id: 'hook',
    })
    expect(findings).toHaveLength(2)
    const [first] = findings
    expect(first).toEqual({
      category: 'spam',
      score: 0.9,
      span: { start: text.indexOf('BUY NOW'), end: text.indexOf('BUY NOW') + 7 },
      label: 'call_to_action',
      classifier: 'hook',
    })
    expect(text.slice(first?.span?.start, first?.span?.end)).toBe('BUY NOW')
  })

  it('is refused by the endpoint when signed with another secret', async () => {
    const other = `whsec_${randomBytes(24).toString('base64')}`
    await expect(classify('buy now', { secret: other })).rejects.toThrow(
      /answered 401: bad signature/,
    )
  })

  it('is refused by the endpoint when not signed at all', async () => {
    const unsigned = await webhookClassifierKind.create(
      'hook',
      webhookClassifierKind.options.parse({ url: `${server.origin}/classify` }),
      { baseDir: process.cwd(), env: {} },
    )
    const call = unsigned.classify({
      text: 'x',
      direction: 'input',
      signal: AbortSignal.timeout(5_000),
    })
    await expect(call).rejects.toThrow(/401/)
  })

  it('throws on a secret that is not a Standard Webhooks secret, without showing it', async () => {
    const error = await classify('x', { secret: 'not base64 at all!' }).catch((e: Error) => e)
    expect((error as Error).message).toMatch(/not a Standard Webhooks secret/)
    expect((error as Error).message).not.toContain('not base64 at all!')
  })

  it('throws on findings that break the contract, naming the problem', async () => {
    const cases: [unknown, RegExp][] = [
      [{ findings: [{ category: 'spam', score: 1.5 }] }, /findings\.0\.score/],
      [{ findings: [{ category: 'Spam!', score: 0.5 }] }, /snake_case category/],
      [{ findings: [{ category: 'spam', score: 0.5, start: 3 }] }, /start and end come together/],
      [
        { findings: [{ category: 'spam', score: 0.5, start: 3, end: 3 }] },
        /start must be before end/,
      ],
      [{ findings: [{ category: 'spam', score: 0.5, start: 0, end: 99 }] }, /ends at 99, past/],
      [{ verdict: 'spam' }, /findings/],
    ]
    try {
      for (const [answer, problem] of cases) {
        answerOverride = answer
        await expect(classify('short'), JSON.stringify(answer)).rejects.toThrow(problem)
      }
    } finally {
      answerOverride = undefined
    }
  })

  it('accepts findings without a span or label, and no findings', async () => {
    try {
      answerOverride = { findings: [{ category: 'self_harm', score: 0 }] }
      expect(await classify('x')).toEqual([{ category: 'self_harm', score: 0, classifier: 'hook' }])
      answerOverride = { findings: [] }
      expect(await classify('x')).toEqual([])
    } finally {
      answerOverride = undefined
    }
  })
})
