import { performance } from 'node:perf_hooks'
import type { ModelRoute } from '../providers/index.js'
import type { ExchangeOutput } from './exchange.js'
import type { Stage } from './stage.js'

/** One endpoint's call to the provider a model routes to; see `upstream-calls.ts`. */
export type UpstreamCall<Body> = (
  route: ModelRoute,
  body: Body,
  signal: AbortSignal,
) => Promise<ExchangeOutput>

/** Forwards the request to the provider the model routes to; the innermost stage. */
export function callUpstream<Body>(call: UpstreamCall<Body>): Stage<Body> {
  return async (x) => {
    const { route, body } = x
    if (!route || body === undefined) throw new Error('callUpstream runs after authorizeModel')
    const started = performance.now()
    x.upstreamStartedAt = started
    try {
      x.output = await call(route, body, x.signal)
    } finally {
      // A stream's upstream time runs to its end; the pipeline closes it there.
      if (x.output?.kind !== 'stream') x.upstreamMs = performance.now() - started
    }
  }
}
