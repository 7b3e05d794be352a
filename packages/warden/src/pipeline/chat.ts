import type { AuditSink, Principal, UsageSink } from '../domain/index.js'
import type { ModelRegistry } from '../providers/index.js'
import { audit } from './audit.js'
import { authenticate } from './authenticate.js'
import { authorizeModel } from './authorize-model.js'
import { callUpstream } from './call-upstream.js'
import type { Exchange } from './exchange.js'
import { meterTokens } from './meter-tokens.js'
import { recordUsage } from './record-usage.js'
import { validateRequest } from './validate-request.js'
import { compose, type Stage } from './stage.js'

/** Everything the stages need, built once by the composition root. */
export interface PipelineDeps {
  readonly audit: AuditSink
  readonly usage: UsageSink
  readonly resolveKey: (secret: string | undefined) => Promise<Principal>
  readonly models: ModelRegistry
}

/**
 * The order of enforcement, top to bottom. Every `/v1/*` request runs this list; the
 * outermost stages see every outcome, refusals included.
 */
export function chatStages(deps: PipelineDeps): readonly Stage[] {
  return [
    audit(deps), // outermost: refusals reach the audit log
    recordUsage(deps), // one usage event per request, whatever happened
    authenticate(deps),
    validateRequest(), // after authentication, as OpenAI does: a stranger learns nothing
    authorizeModel(deps),
    meterTokens(),
    callUpstream(deps), // innermost: the upstream call
  ]
}

/** The composed pipeline: run it on an exchange, then send `x.output`. */
export function createPipeline(deps: PipelineDeps): (x: Exchange) => Promise<void> {
  return compose(chatStages(deps))
}
