import type { Limiter } from '../limits/index.js'
import type { PolicySnapshot } from '../policy/index.js'
import { tokenizerFamily } from './count-tokens.js'
import type { TokenMeter } from './meter-tokens.js'
import type { Stage } from './stage.js'

/** What the limits stage needs: the limiter, and the policy for the application's tier. */
export interface RateLimitDeps {
  readonly limiter: Limiter
  readonly policy: () => PolicySnapshot
}

/**
 * Reserves the request, its prompt's tokens and its completion allowance against every limit
 * of its key, application and organization before the upstream is called, or refuses with
 * 429. When the request settles, however it ended, the reservation is settled against the
 * tokens it really used and its concurrency slot is freed.
 */
export function rateLimit<Body>(deps: RateLimitDeps, meter: TokenMeter<Body>): Stage<Body> {
  return async (x, next) => {
    const { principal, body, route } = x
    if (principal === undefined || body === undefined) {
      throw new Error('rateLimit runs after readRequest')
    }
    // Without a route (moderations, answered by Warden itself) the endpoint is the model.
    const promptTokens = await meter.countPrompt(
      body,
      route === undefined ? 'estimate' : tokenizerFamily(route.upstreamModel),
    )
    const lease = await deps.limiter.reserve({
      principal,
      tier: deps.policy().tier(principal.tier),
      model: route?.id ?? x.endpoint,
      promptTokens,
      maxTokens: meter.maxTokens(body),
      lease: x.requestId,
    })
    x.responseHeaders = lease.headers
    x.settlers.push((settled) => {
      lease.settle(settled.usage.promptTokens + settled.usage.completionTokens)
    })
    await next()
  }
}
