import type { UsageEvent } from '../domain/index.js'

let counter = 0

/**
 * A usage event as the pipeline would record it for an ordinary, successful chat request of
 * `key_1` in `app_1`, with whatever `fields` say instead. For feeding detectors and the feed.
 */
export function usageEventOf(fields: Partial<UsageEvent> = {}): UsageEvent {
  counter += 1
  return {
    requestId: `req_${counter.toString(36)}`,
    at: Date.UTC(2025, 0, 1),
    endpoint: 'chat',
    keyId: 'key_1',
    appId: 'app_1',
    orgId: 'org_1',
    model: 'gpt-4o-mini',
    stream: false,
    promptTokens: 20,
    completionTokens: 30,
    tokensSource: 'upstream',
    gatewayMs: 1,
    upstreamMs: 200,
    status: 200,
    outcome: 'ok',
    errorCode: null,
    clause: null,
    clientSource: '203.0.113.10',
    userAgent: 'OpenAI/Python 1.99.0',
    tier: 'production',
    sandbox: false,
    contentAction: 'none',
    harmAction: 'none',
    injection: false,
    promptSignature: null,
    completionSignature: null,
    ...fields,
  }
}

/** A seeded pseudo-random source (mulberry32): the same traffic on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * Ordinary traffic of `apps` applications (one key each, one server address each) for
 * `minutes` minutes from `start`: about `perMinute` requests a minute each, at random moments,
 * in time order.
 */
export function normalTraffic(options: {
  readonly apps: number
  readonly minutes: number
  readonly perMinute: number
  readonly start: number
  readonly seed?: number
}): UsageEvent[] {
  const random = seededRandom(options.seed ?? 1)
  const events: UsageEvent[] = []
  for (let minute = 0; minute < options.minutes; minute += 1) {
    for (let app = 0; app < options.apps; app += 1) {
      // Between half and one and a half times the usual rate, minute by minute.
      const count = Math.round(options.perMinute * (0.5 + random()))
      for (let i = 0; i < count; i += 1) {
        events.push(
          usageEventOf({
            at: options.start + minute * 60_000 + Math.floor(random() * 60_000),
            keyId: `key_n${app}`,
            appId: `app_n${app}`,
            orgId: `org_n${app}`,
            clientSource: `198.51.100.${app % 250}`,
          }),
        )
      }
    }
  }
  return events.sort((a, b) => a.at - b.at)
}

/** `events` merged into `more`, in time order. */
export function mergeEvents(...lists: ReadonlyArray<readonly UsageEvent[]>): UsageEvent[] {
  return lists.flat().sort((a, b) => a.at - b.at)
}
