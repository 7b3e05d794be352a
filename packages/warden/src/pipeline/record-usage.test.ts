import { describe, expect, it } from 'vitest'
import type { UsageEvent } from '../domain/index.js'
import type { TextsVerdict } from '../moderation/index.js'
import { createPolicySnapshot, loadPolicyFile } from '../policy/index.js'
import { createExchange, type Exchange } from './exchange.js'
import { recordUsage } from './record-usage.js'

const policy = await loadPolicyFile(null)
const snapshot = (document = policy.document) =>
  createPolicySnapshot(1, document, { version: 1, deadline: 0 })

const SPAM =
  'Looking for the best deal on premium watches this season? Visit our store today and use the code'

const verdict = (
  findings: ReadonlyArray<{ category: string; action: 'allow' | 'flag' }>,
): TextsVerdict => ({
  action: findings.some((f) => f.action === 'flag') ? 'flag' : 'allow',
  findings: findings.map((f) => ({
    category: f.category,
    action: f.action,
    score: 0.9,
    clause: null,
    classifier: 'injection',
    maxAction: 'block',
    text: 0,
  })),
  failures: [],
  blockedBy: null,
  truncated: false,
})

async function settle(fill: (x: Exchange) => void, document = policy.document) {
  const events: UsageEvent[] = []
  const stage = recordUsage({
    usage: { record: (e) => events.push(e) },
    policy: () => snapshot(document),
  })
  const x = createExchange({
    requestId: 'req_1',
    at: 1,
    startedAt: 0,
    endpoint: 'chat',
    apiKey: 'wdn_x',
    clientAddress: '2001:db8:1:2:aaaa:bbbb:cccc:dddd',
    userAgent: `OpenAI/Python ${'9'.repeat(300)}`,
    signal: new AbortController().signal,
    readBody: () => Promise.resolve(null),
  })
  fill(x)
  await stage(x, () => Promise.resolve())
  for (const handler of x.settlers) {
    await handler(x, {
      error: null,
      status: 200,
      code: null,
      outcome: 'ok',
      clause: null,
      totalMs: 3,
    })
  }
  return events[0]
}

const principal = {
  keyId: 'key_1',
  keyPrefix: 'wdn_x',
  appId: 'app_1',
  orgId: 'org_1',
  allowedModels: null,
  tier: null,
  appStatus: 'active' as const,
  acceptedPolicyVersion: null,
  limits: { key: null, app: null, org: null },
}

describe('the usage event a request leaves', () => {
  it('carries the folded address, a cut user agent, the tier and what the filter did, never text', async () => {
    const event = await settle((x) => {
      x.principal = principal
      x.content.push({
        direction: 'input',
        texts: ['system prompt', SPAM],
        verdict: verdict([{ category: 'prompt_injection', action: 'flag' }]),
      })
      x.content.push({ direction: 'output', texts: [SPAM], verdict: verdict([]) })
    })
    expect(event).toMatchObject({
      clientSource: '2001:db8:1:2::/64',
      tier: 'sandbox',
      sandbox: true,
      contentAction: 'flag',
      harmAction: 'flag',
      injection: true,
    })
    expect(event?.promptSignature).toMatch(/^[0-9a-f]{16}$/)
    expect(event?.userAgent).toHaveLength(128)
    // The answer is the prompt's text: the same signature.
    expect(event?.completionSignature).toBe(event?.promptSignature)
    expect(JSON.stringify(event)).not.toContain('premium watches')
  })

  it('keeps flags of personal data and credentials out of the harm action, not out of the content action', async () => {
    const dataOnly = await settle((x) => {
      x.principal = principal
      x.content.push({
        direction: 'input',
        texts: [SPAM],
        verdict: verdict([
          { category: 'pii', action: 'flag' },
          { category: 'secrets', action: 'flag' },
          { category: 'hate', action: 'allow' },
        ]),
      })
    })
    expect(dataOnly).toMatchObject({ contentAction: 'flag', harmAction: 'none', injection: false })
    const withHarm = await settle((x) => {
      x.principal = principal
      x.content.push({ direction: 'input', texts: [SPAM], verdict: verdict([]) })
      x.content.push({
        direction: 'output',
        texts: [SPAM],
        verdict: verdict([
          { category: 'pii', action: 'flag' },
          { category: 'harassment', action: 'flag' },
        ]),
      })
    })
    expect(withHarm).toMatchObject({ contentAction: 'flag', harmAction: 'flag' })
  })

  it('signs no text when the policy turns the near-duplicate detector off', async () => {
    const document = {
      ...policy.document,
      monitoring: {
        ...policy.document.monitoring,
        detectors: { ...policy.document.monitoring.detectors, near_duplicate: { enabled: false } },
      },
    }
    const event = await settle((x) => {
      x.principal = principal
      x.content.push({ direction: 'input', texts: [SPAM], verdict: verdict([]) })
    }, document)
    expect(event).toMatchObject({ promptSignature: null, contentAction: 'none', injection: false })
  })

  it('records a refusal before the key was known without tier or signatures', async () => {
    const event = await settle(() => undefined)
    expect(event).toMatchObject({ keyId: null, tier: null, sandbox: false, promptSignature: null })
  })
})
