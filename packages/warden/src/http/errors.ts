import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { isWardenError, WardenError } from '../domain/index.js'

/** Maps anything thrown while serving a request to the one error class. */
export function toWardenError(error: unknown, requestId: string): WardenError {
  if (isWardenError(error)) return error
  const fastifyError = error as Partial<FastifyError>
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new WardenError(
        'request_too_large',
        'The request body is larger than this server accepts.',
      )
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new WardenError(
        'invalid_request_error',
        'Send the body as JSON with "Content-Type: application/json".',
      )
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new WardenError('invalid_json', 'The request body is empty; send a JSON object.')
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new WardenError(
        'invalid_request_error',
        'The Content-Length header does not match the body.',
      )
    case undefined:
    default:
      break
  }
  if (error instanceof SyntaxError || fastifyError.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new WardenError('invalid_json', 'We could not parse the JSON body of your request.')
  }
  const status = fastifyError.statusCode
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new WardenError(
      status === 413 ? 'request_too_large' : 'invalid_request_error',
      'The request could not be read.',
    )
  }
  return new WardenError(
    'internal_error',
    `The server had an error while processing your request (request id ${requestId}).`,
    {
      cause: error,
    },
  )
}

/** The one error handler: logs what the client must not see, sends the OpenAI error shape. */
export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const wardenError = toWardenError(error, request.id)
  if (wardenError.code === 'internal_error') {
    request.log.error({ err: error, requestId: request.id }, 'unhandled error')
  } else if (wardenError.status >= 500) {
    request.log.warn(
      { code: wardenError.code, requestId: request.id, cause: describeCause(wardenError.cause) },
      wardenError.message,
    )
  }
  if (reply.sent || reply.raw.headersSent) return
  if (wardenError.headers) void reply.headers(wardenError.headers)
  void reply
    .code(wardenError.status)
    .header('content-type', 'application/json')
    .header('x-request-id', request.id)
    .send(wardenError.toBody())
}

function describeCause(cause: unknown): string | undefined {
  if (cause === undefined) return undefined
  const code = (cause as { code?: unknown }).code
  return typeof code === 'string' ? code : cause instanceof Error ? cause.name : 'unknown'
}
