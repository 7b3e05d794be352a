export const ERROR_CODES = [
  'invalid_request_error',
  'invalid_json',
  'missing_api_key',
  'invalid_api_key',
  'api_key_revoked',
  'api_key_expired',
  'model_not_allowed',
  'model_not_found',
  'not_found',
  'method_not_allowed',
  'request_too_large',
  'request_header_fields_too_large',
  'request_timeout',
  'unauthorized',
  'forbidden',
  'conflict',
  'upstream_error',
  'upstream_rejected',
  'upstream_rate_limited',
  'upstream_timeout',
  'service_unavailable',
  'request_cancelled',
  'internal_error',
] as const

/** A closed set of machine-readable error codes; each has exactly one HTTP status. */
export type ErrorCode = (typeof ERROR_CODES)[number]

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

export const ERROR_STATUS: Record<ErrorCode, number> = {
  invalid_request_error: 400,
  invalid_json: 400,
  missing_api_key: 401,
  invalid_api_key: 401,
  api_key_revoked: 403,
  api_key_expired: 401,
  model_not_allowed: 403,
  model_not_found: 404,
  not_found: 404,
  method_not_allowed: 405,
  request_too_large: 413,
  request_header_fields_too_large: 431,
  request_timeout: 408,
  unauthorized: 401,
  forbidden: 403,
  conflict: 409,
  upstream_error: 502,
  upstream_rejected: 400,
  upstream_rate_limited: 429,
  upstream_timeout: 504,
  service_unavailable: 503,
  // nginx's "client closed request": nobody reads it, but usage and logs count it.
  request_cancelled: 499,
  internal_error: 500,
}

const ERROR_TYPE: Record<ErrorCode, ErrorType> = {
  invalid_request_error: 'invalid_request_error',
  invalid_json: 'invalid_request_error',
  missing_api_key: 'authentication_error',
  invalid_api_key: 'authentication_error',
  api_key_revoked: 'permission_error',
  api_key_expired: 'authentication_error',
  model_not_allowed: 'permission_error',
  model_not_found: 'not_found_error',
  not_found: 'not_found_error',
  method_not_allowed: 'invalid_request_error',
  request_too_large: 'invalid_request_error',
  request_header_fields_too_large: 'invalid_request_error',
  request_timeout: 'invalid_request_error',
  unauthorized: 'authentication_error',
  forbidden: 'permission_error',
  conflict: 'invalid_request_error',
  upstream_error: 'api_error',
  upstream_rejected: 'invalid_request_error',
  upstream_rate_limited: 'rate_limit_error',
  upstream_timeout: 'timeout_error',
  service_unavailable: 'server_error',
  request_cancelled: 'invalid_request_error',
  internal_error: 'server_error',
}

/** The body every failure is sent as, shaped like the OpenAI API's. */
export interface ErrorBody {
  readonly error: {
    readonly message: string
    readonly type: ErrorType
    readonly code: ErrorCode
    readonly param: string | null
  }
}

/** The one error class of Warden: stages throw it, the HTTP layer maps it. */
export class WardenError extends Error {
  override readonly name = 'WardenError'
  /** Which field of the request was wrong, when one was. */
  readonly param: string | null

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: { param?: string | null; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.param = options.param ?? null
  }

  /** The HTTP status this error is sent with. */
  get status(): number {
    return ERROR_STATUS[this.code]
  }

  /** The OpenAI-style body for this error. */
  toBody(): ErrorBody {
    return {
      error: {
        message: this.message,
        type: ERROR_TYPE[this.code],
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
