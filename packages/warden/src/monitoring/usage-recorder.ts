import {
  CONTENT_OUTCOMES,
  ENDPOINTS,
  REQUEST_OUTCOMES,
  type ContentOutcome,
  type Endpoint,
  type RequestOutcome,
  type UsageEvent,
  type UsageSink,
} from '../domain/index.js'
import type { Store, UsageEventTable } from '../store/index.js'
import { createBatchQueue, type BatchQueueStats } from './batch-queue.js'

export interface UsageRecorderOptions {
  readonly store: Pick<Store, 'insertRows'>
  readonly batchSize: number
  readonly flushIntervalMs: number
  readonly maxQueue: number
  readonly onError: (error: unknown, batchSize: number) => void
  readonly onDrop?: (droppedSinceLastTick: number) => void
}

/** A usage sink that writes events in batches, never on the request path. */
export interface UsageRecorder extends UsageSink {
  flush(): Promise<void>
  close(): Promise<void>
  stats(): BatchQueueStats
}

/**
 * A client-supplied string as a column value: no NUL (PostgreSQL refuses it in text, and one
 * bad row would fail the whole batch) and no more than 256 characters.
 */
export function columnText(value: string | null): string | null {
  // eslint-disable-next-line no-control-regex
  return value === null ? null : value.replace(/\u0000/g, '').slice(0, 256)
}

/** A token count from an upstream as a column value: a non-negative safe integer. */
function count(value: number): number {
  return Number.isFinite(value) ? Math.min(Math.max(Math.trunc(value), 0), 2 ** 31 - 1) : 0
}

/** Records one usage event per request into `usage_event`, batched. */
export function createUsageRecorder(options: UsageRecorderOptions): UsageRecorder {
  const queue = createBatchQueue<UsageEvent>({
    batchSize: options.batchSize,
    intervalMs: options.flushIntervalMs,
    maxQueue: options.maxQueue,
    onError: options.onError,
    ...(options.onDrop ? { onDrop: options.onDrop } : {}),
    write: (batch) =>
      options.store.insertRows(
        'usage_event',
        batch.map((e) => ({
          request_id: e.requestId,
          at: e.at,
          endpoint: e.endpoint,
          key_id: e.keyId,
          app_id: e.appId,
          org_id: e.orgId,
          model: columnText(e.model),
          stream: e.stream ? 1 : 0,
          prompt_tokens: count(e.promptTokens),
          completion_tokens: count(e.completionTokens),
          tokens_source: e.tokensSource,
          gateway_ms: e.gatewayMs,
          upstream_ms: e.upstreamMs,
          status: e.status,
          outcome: e.outcome,
          error_code: columnText(e.errorCode),
          clause: columnText(e.clause),
          client_source: columnText(e.clientSource),
          user_agent: columnText(e.userAgent),
          tier: columnText(e.tier),
          sandbox: e.sandbox ? 1 : 0,
          content_action: e.contentAction,
          harm_action: e.harmAction,
          injection: e.injection ? 1 : 0,
          prompt_signature: e.promptSignature,
          completion_signature: e.completionSignature,
        })),
      ),
  })
  return {
    record: (event) => queue.push(event),
    flush: () => queue.flush(),
    close: () => queue.close(),
    stats: () => queue.stats(),
  }
}

const oneOf = <T extends string>(values: readonly T[], value: string, otherwise: T): T =>
  (values as readonly string[]).includes(value) ? (value as T) : otherwise

/** A stored `usage_event` row as the event it was recorded from. */
export function usageEventOfRow(row: Readonly<UsageEventTable>): UsageEvent {
  return {
    requestId: row.request_id,
    at: Number(row.at),
    endpoint: oneOf<Endpoint>(ENDPOINTS, row.endpoint, 'chat'),
    keyId: row.key_id,
    appId: row.app_id,
    orgId: row.org_id,
    model: row.model,
    stream: Number(row.stream) === 1,
    promptTokens: Number(row.prompt_tokens),
    completionTokens: Number(row.completion_tokens),
    tokensSource:
      row.tokens_source === 'upstream' || row.tokens_source === 'counted'
        ? row.tokens_source
        : 'none',
    gatewayMs: Number(row.gateway_ms),
    upstreamMs: Number(row.upstream_ms),
    status: Number(row.status),
    outcome: oneOf<RequestOutcome>(REQUEST_OUTCOMES, row.outcome, 'internal_error'),
    errorCode: row.error_code,
    clause: row.clause,
    clientSource: row.client_source,
    userAgent: row.user_agent,
    tier: row.tier,
    sandbox: Number(row.sandbox) === 1,
    contentAction: oneOf<ContentOutcome>(CONTENT_OUTCOMES, row.content_action ?? 'none', 'none'),
    harmAction: oneOf<ContentOutcome>(CONTENT_OUTCOMES, row.harm_action ?? 'none', 'none'),
    injection: Number(row.injection) === 1,
    promptSignature: row.prompt_signature,
    completionSignature: row.completion_signature,
  }
}
