import { onSettle, type Stage } from './stage.js'

/** One line per request: who, which model, how it ended and how long it took. Never content. */
export interface RequestLogLine {
  readonly request_id: string
  readonly endpoint: string
  readonly key_prefix: string | null
  readonly app_id: string | null
  readonly model: string | null
  readonly status: number
  readonly outcome: string
  readonly error_code: string | null
  readonly ms: number
}

/** Logs each request once it has settled, through the sink the composition root gives. */
export function logRequest(deps: { readonly logRequest: (line: RequestLogLine) => void }): Stage {
  return onSettle((x, end) => {
    deps.logRequest({
      request_id: x.requestId,
      endpoint: x.endpoint,
      key_prefix: x.principal?.keyPrefix ?? null,
      app_id: x.principal?.appId ?? null,
      model: x.model,
      status: end.status,
      outcome: end.outcome,
      error_code: end.code,
      ms: Math.round(end.totalMs * 10) / 10,
    })
  })
}
