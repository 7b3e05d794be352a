import type { LimitLevel, LimitName, RequestOutcome } from './records.js'

/** The OpenAI error `type` field, which clients switch on. */
export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'api_error'
  | 'server_error'
  | 'timeout_error'
  | 'rate_limit_error'
  // OpenAI's own rate-limit types: which budget refused the request.
  | 'requests'
  | 'tokens'
  | 'insufficient_quota'

/** Everything Warden knows about one error code, in one row. */
export interface ErrorSpec {
  /** The HTTP status the error is sent with. */
  readonly status: number
  /** The OpenAI `type` of the body. */
  readonly type: ErrorType
  /** How a request that ended with it is counted in usage and metrics. */
  readonly outcome: RequestOutcome
  /** Whether a request refused with it is worth an audit entry (turned away by policy, not a typo). */
  readonly audited: boolean
}

const spec = (
  status: number,
  type: ErrorType,
  outcome: RequestOutcome,
  audited = false,
): ErrorSpec => ({ status, type, outcome, audited })

/** The one table of error codes: a new code does not compile without its whole row. */
export const ERRORS = {
  invalid_request_error: spec(400, 'invalid_request_error', 'client_error'),
  invalid_json: spec(400, 'invalid_request_error', 'client_error'),
  missing_api_key: spec(401, 'authentication_error', 'refused', true),
  invalid_api_key: spec(401, 'authentication_error', 'refused', true),
  api_key_revoked: spec(403, 'permission_error', 'refused', true),
  api_key_expired: spec(401, 'authentication_error', 'refused', true),
  // Reversible, unlike a revocation: monitoring's mitigation or an admin, pending review.
  api_key_suspended: spec(403, 'permission_error', 'refused', true),
  model_not_allowed: spec(403, 'permission_error', 'refused', true),
  model_not_found: spec(404, 'not_found_error', 'client_error'),
  application_not_approved: spec(403, 'permission_error', 'refused', true),
  application_suspended: spec(403, 'permission_error', 'refused', true),
  policy_acceptance_required: spec(403, 'permission_error', 'refused', true),
  not_found: spec(404, 'not_found_error', 'client_error'),
  method_not_allowed: spec(405, 'invalid_request_error', 'client_error'),
  request_timeout: spec(408, 'invalid_request_error', 'client_error'),
  request_too_large: spec(413, 'invalid_request_error', 'client_error'),
  request_header_fields_too_large: spec(431, 'invalid_request_error', 'client_error'),
  unauthorized: spec(401, 'authentication_error', 'refused'),
  forbidden: spec(403, 'permission_error', 'refused'),
  conflict: spec(409, 'invalid_request_error', 'client_error'),
  // The content filter's block: OpenAI answers a prompt it will not serve the same way.
  content_policy_violation: spec(400, 'invalid_request_error', 'refused', true),
  // Warden's own limits (not the upstream's): the body's type says requests or tokens.
  rate_limit_exceeded: spec(429, 'requests', 'refused'),
  insufficient_quota: spec(429, 'insufficient_quota', 'refused'),
  upstream_error: spec(502, 'api_error', 'upstream_error'),
  upstream_rejected: spec(400, 'invalid_request_error', 'upstream_error'),
  upstream_rate_limited: spec(429, 'rate_limit_error', 'upstream_error'),
  upstream_timeout: spec(504, 'timeout_error', 'upstream_error'),
  service_unavailable: spec(503, 'server_error', 'internal_error'),
  // nginx's "client closed request": nobody reads it, but usage and logs count it.
  request_cancelled: spec(499, 'invalid_request_error', 'cancelled'),
  internal_error: spec(500, 'server_error', 'internal_error'),
} as const satisfies Record<string, ErrorSpec>

/** A closed set of machine-readable error codes; each has exactly one row in {@link ERRORS}. */
export type ErrorCode = keyof typeof ERRORS

/** Every error code. */
export const ERROR_CODES = Object.keys(ERRORS) as readonly ErrorCode[]

/** The body every failure is sent as, shaped like the OpenAI API's. */
export interface ErrorBody {
  readonly error: {
    readonly message: string
    readonly type: ErrorType
    readonly code: ErrorCode
    readonly param: string | null
  }
}

/**
 * Which limit refused a request: one of the four at a key, application or organization, or
 * the throttle on an address that sent too many bad keys. Metrics count refusals by it.
 */
export interface RefusedLimit {
  readonly name: LimitName | 'bad_keys'
  readonly level: LimitLevel | 'address'
}

/** The one error class of Warden: stages throw it, the HTTP layer maps it. */
export class WardenError extends Error {
  override readonly name = 'WardenError'
  /** Which field of the request was wrong, when one was. */
  readonly param: string | null
  /** Response headers sent with the error (`Retry-After`, `x-ratelimit-*`), if any. */
  readonly headers: Readonly<Record<string, string>> | null
  /** The usage-policy clause behind a refusal (`tier.sandbox`, `prohibited.spam`), if any. */
  readonly clause: string | null
  /** The body's `type` when it is not the code's usual one (`tokens` for a token limit). */
  readonly type: ErrorType
  /** The limit behind a 429, if one was. */
  readonly limit: RefusedLimit | null

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: {
      param?: string | null
      cause?: unknown
      headers?: Readonly<Record<string, string>>
      clause?: string | null
      type?: ErrorType
      limit?: RefusedLimit
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.param = options.param ?? null
    this.headers = options.headers ?? null
    this.clause = options.clause ?? null
    this.type = options.type ?? ERRORS[code].type
    this.limit = options.limit ?? null
  }

  /** The HTTP status this error is sent with. */
  get status(): number {
    return ERRORS[this.code].status
  }

  /** The OpenAI-style body for this error. */
  toBody(): ErrorBody {
    return {
      error: {
        message: this.message,
        type: this.type,
        code: this.code,
        param: this.param,
      },
    }
  }
}

/** True when `x` is a WardenError. */
export function isWardenError(x: unknown): x is WardenError {
  return x instanceof WardenError
}
