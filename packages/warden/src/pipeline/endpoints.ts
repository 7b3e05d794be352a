import {
  chatCompletionRequestSchema,
  completionRequestSchema,
  embeddingRequestSchema,
  moderationRequestSchema,
} from './openai-requests.js'
import type {
  AnonymousRefusals,
  AuditSink,
  ContentFindingSink,
  ContentTextSink,
  Principal,
  RequestObserver,
  UsageSink,
} from '../domain/index.js'
import type { Limiter } from '../limits/index.js'
import type { ContentFilter, OutputWindowOptions, Redactor } from '../moderation/index.js'
import type { PolicySnapshot } from '../policy/index.js'
import { responsesRequestSchema, type ModelRegistry } from '../providers/index.js'
import { audit } from './audit.js'
import { authenticate } from './authenticate.js'
import { authorizeApp } from './authorize-app.js'
import { authorizeModel } from './authorize-model.js'
import { callUpstream } from './call-upstream.js'
import { filterInput } from './filter-input.js'
import { filterOutput } from './filter-output.js'
import {
  chatOutput,
  completionOutput,
  responsesOutput,
  type OutputTextsOf,
} from './output-texts.js'
import { moderate } from './moderate.js'
import { observeRequests } from './observe-requests.js'
import { listModels } from './list-models.js'
import { logRequest, type RequestLogLine } from './log-request.js'
import { meterTokens, type TokenMeter } from './meter-tokens.js'
import type { EndpointStages } from './pipeline.js'
import type { Stage } from './stage.js'
import { rateLimit } from './rate-limit.js'
import {
  chatTexts,
  completionTexts,
  embeddingTexts,
  responsesTexts,
  type PromptTextsOf,
} from './prompt-texts.js'
import { readRequest } from './read-request.js'
import { recordContent } from './record-content.js'
import { recordFindings } from './record-findings.js'
import { recordUsage } from './record-usage.js'
import {
  chatMeter,
  completionMeter,
  embeddingMeter,
  moderationMeter,
  responsesMeter,
} from './token-meters.js'
import { chatCall, completionCall, embeddingCall, responsesCall } from './upstream-calls.js'

/** Everything the stages need, built once by the composition root. */
export interface PipelineDeps {
  readonly audit: AuditSink
  /** Refusals of unidentified callers: rolled up, and counted against their address. */
  readonly anonymous: AnonymousRefusals
  readonly usage: UsageSink
  readonly logRequest: (line: RequestLogLine) => void
  readonly resolveKey: (secret: string | undefined) => Promise<Principal>
  readonly models: ModelRegistry
  /** The current usage policy, without a query. */
  readonly policy: () => PolicySnapshot
  readonly now: () => number
  /** The server's public address without a trailing slash, or '' for links as paths. */
  readonly publicUrl: string
  /** Holds requests to their limits; null when `limits.enabled` is off. */
  readonly limiter: Limiter | null
  /** Where the content filter's findings are stored. */
  readonly findings: ContentFindingSink
  /** Where the texts the policy's retention keeps are stored. */
  readonly contentTexts: ContentTextSink
  /** Judges prompts and answers; null when `moderation.enabled` is off. */
  readonly contentFilter: ContentFilter | null
  /** How streamed answers are checked as they stream. */
  readonly outputWindow: OutputWindowOptions
  readonly createRedactor: () => Redactor
  /** What sees every settled request (metrics, traces); none leaves the stage out. */
  readonly observers: readonly RequestObserver[]
}

/**
 * The order of enforcement, one list per endpoint, each read top to bottom. The first three
 * stages are outermost and see every outcome, refusals included; the body is read only after
 * the key is known; the upstream call is innermost.
 */
export function endpointStages(deps: PipelineDeps): EndpointStages {
  const settled = [
    audit(deps),
    recordUsage(deps),
    recordFindings(deps),
    recordContent(deps),
    logRequest(deps),
    ...(deps.observers.length === 0 ? [] : [observeRequests(deps)]),
  ] as const
  const { limiter } = deps
  // With limits off the stage is left out, not skipped per request.
  const limit = <Body>(meter: TokenMeter<Body>): Array<Stage<Body>> =>
    limiter === null ? [] : [rateLimit({ limiter, policy: deps.policy }, meter)]
  const { contentFilter } = deps
  const filter = <Body>(texts: PromptTextsOf<Body>): Array<Stage<Body>> =>
    contentFilter === null || !contentFilter.reads('input')
      ? []
      : [filterInput({ ...deps, filter: contentFilter }, texts)]
  // Outside the token meter, which counts what the upstream generated, sent or not.
  const filterOut = <Body>(outputs: OutputTextsOf): Array<Stage<Body>> =>
    contentFilter === null || !contentFilter.reads('output')
      ? []
      : [filterOutput({ ...deps, filter: contentFilter, window: deps.outputWindow }, outputs)]
  return {
    chat: [
      ...settled,
      authenticate(deps),
      authorizeApp(deps),
      readRequest(chatCompletionRequestSchema),
      authorizeModel(deps),
      ...limit(chatMeter),
      ...filter(chatTexts),
      ...filterOut(chatOutput),
      meterTokens(chatMeter),
      callUpstream(chatCall),
    ],
    completions: [
      ...settled,
      authenticate(deps),
      authorizeApp(deps),
      readRequest(completionRequestSchema),
      authorizeModel(deps),
      ...limit(completionMeter),
      ...filter(completionTexts),
      ...filterOut(completionOutput),
      meterTokens(completionMeter),
      callUpstream(completionCall),
    ],
    embeddings: [
      ...settled,
      authenticate(deps),
      authorizeApp(deps),
      readRequest(embeddingRequestSchema),
      authorizeModel(deps),
      ...limit(embeddingMeter),
      ...filter(embeddingTexts),
      meterTokens(embeddingMeter),
      callUpstream(embeddingCall),
    ],
    models: [...settled, authenticate(deps), authorizeApp(deps), listModels(deps)],
    moderations: [
      ...settled,
      authenticate(deps),
      authorizeApp(deps),
      readRequest(moderationRequestSchema),
      ...limit(moderationMeter),
      moderate(deps),
    ],
    responses: [
      ...settled,
      authenticate(deps),
      authorizeApp(deps),
      readRequest(responsesRequestSchema),
      authorizeModel(deps),
      ...limit(responsesMeter),
      ...filter(responsesTexts),
      ...filterOut(responsesOutput),
      meterTokens(responsesMeter),
      callUpstream(responsesCall),
    ],
  }
}
