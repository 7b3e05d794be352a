import type { ContentOutcome, UsageSink } from '../domain/index.js'
import { sourceOf } from '../limits/index.js'
import { textSignature, type TextsVerdict } from '../moderation/index.js'
import type { PolicySnapshot } from '../policy/index.js'
import type { Exchange } from './exchange.js'
import { onSettle, type Stage } from './stage.js'

/** The longest `User-Agent` kept: enough to tell clients apart, not a place to store data. */
const MAX_USER_AGENT = 128

/** The category whose findings make a request a jailbreak attempt in monitoring's eyes. */
const INJECTION_CATEGORY = 'prompt_injection'

/**
 * The categories of personal data and credentials: findings of them are routine for an
 * application that handles customers' records, so they do not make its `harmAction`.
 */
const DATA_CATEGORIES: ReadonlySet<string> = new Set(['pii', 'payment_card', 'secrets'])

/** What the content filter did to a request, in monitoring's terms. */
interface ContentSummary {
  action: ContentOutcome
  harmAction: ContentOutcome
  injection: boolean
  promptSignature: string | null
  completionSignature: string | null
}

/**
 * The strongest action, whether an injection finding reached its threshold, and the SimHash of
 * the newest prompt text and of the answer: what monitoring needs of the content, never the text.
 */
/** Which texts get a signature: only those a `near_duplicate` detector of the policy reads. */
interface Signing {
  readonly prompt: boolean
  readonly completion: boolean
}

const signingOf = new WeakMap<PolicySnapshot['document'], Signing>()

/**
 * What the policy's near-duplicate detector reads (its `directions`), or nothing when monitoring
 * or the detector is off: a signature nobody reads is not paid for. Kept per policy document.
 */
function signing(policy: PolicySnapshot): Signing {
  const document = policy.document
  let found = signingOf.get(document)
  if (found === undefined) {
    const { monitoring } = document
    const entry = monitoring.detectors.near_duplicate
    const on = monitoring.enabled && entry?.enabled !== false
    const directions = Array.isArray(entry?.directions) ? (entry.directions as unknown[]) : null
    found = {
      prompt: on && (directions === null || directions.includes('prompt')),
      completion: on && (directions === null || directions.includes('completion')),
    }
    signingOf.set(document, found)
  }
  return found
}

function summarize(x: Exchange, sign: Signing): Readonly<ContentSummary> {
  if (x.content.length === 0) return NO_CONTENT
  const summary: ContentSummary = {
    action: 'none',
    harmAction: 'none',
    injection: false,
    promptSignature: null,
    completionSignature: null,
  }
  let rank = 0
  let harmRank = 0
  let answer = ''
  for (const entry of x.content) {
    // A stream's verdict is a getter: read it once.
    const verdict: TextsVerdict = entry.verdict
    const action = RANK[verdict.action]
    if (action > rank) rank = action
    for (const f of verdict.findings) {
      if (f.action === 'allow') continue
      if (f.category === INJECTION_CATEGORY) summary.injection = true
      if (!DATA_CATEGORIES.has(f.category) && RANK[f.action] > harmRank) harmRank = RANK[f.action]
    }
    const { texts } = entry
    if (entry.direction === 'input') {
      const newest = texts[texts.length - 1]
      if (newest !== undefined && sign.prompt) summary.promptSignature = textSignature(newest)
    } else if (sign.completion) {
      for (const text of texts) answer = answer === '' ? text : `${answer}\n${text}`
    }
  }
  summary.action = OUTCOMES[rank] ?? 'none'
  summary.harmAction = OUTCOMES[harmRank] ?? 'none'
  if (answer !== '') summary.completionSignature = textSignature(answer)
  return summary
}

const NO_CONTENT: Readonly<ContentSummary> = {
  action: 'none',
  harmAction: 'none',
  injection: false,
  promptSignature: null,
  completionSignature: null,
}

const RANK = { allow: 0, flag: 1, redact: 2, block: 3 } as const
const OUTCOMES: readonly ContentOutcome[] = ['none', 'flag', 'redact', 'block']

/** Emits one usage event per request once it has settled; for a stream, once the stream ends. */
export function recordUsage(deps: {
  readonly usage: UsageSink
  readonly policy: () => PolicySnapshot
}): Stage {
  return onSettle((x, end) => {
    const { principal, userAgent } = x
    const policy = principal === undefined ? null : deps.policy()
    const tier = policy === null ? null : policy.tier(principal?.tier ?? null)
    const content = summarize(x, signing(policy ?? deps.policy()))
    deps.usage.record({
      requestId: x.requestId,
      at: x.at,
      endpoint: x.endpoint,
      keyId: principal?.keyId ?? null,
      appId: principal?.appId ?? null,
      orgId: principal?.orgId ?? null,
      model: x.model,
      stream: x.output?.kind === 'stream',
      promptTokens: x.usage.promptTokens,
      completionTokens: x.usage.completionTokens,
      tokensSource: x.usage.source,
      gatewayMs: Math.max(0, end.totalMs - x.upstreamMs),
      upstreamMs: x.upstreamMs,
      status: end.status,
      outcome: end.outcome,
      errorCode: end.code,
      clause: end.clause,
      clientSource: x.clientAddress === '' ? null : sourceOf(x.clientAddress),
      userAgent:
        userAgent === undefined || userAgent === '' ? null : userAgent.slice(0, MAX_USER_AGENT),
      tier: tier === null ? null : tier.id,
      sandbox: tier !== null && policy !== null && tier === policy.defaultTier,
      contentAction: content.action,
      harmAction: content.harmAction,
      injection: content.injection,
      promptSignature: content.promptSignature,
      completionSignature: content.completionSignature,
    })
  })
}
