import { describe, expect, it } from 'vitest'
import { toClientWardenError, toRawHttpResponse } from './client-errors.js'

const clientError = (code: string): Error & { code: string } =>
  Object.assign(new Error(code), { code })

describe('client errors', () => {
  it('maps timeouts to 408, header overflow to 431 and any other parser error to 400', () => {
    expect(toClientWardenError(clientError('ERR_HTTP_REQUEST_TIMEOUT')).status).toBe(408)
    expect(toClientWardenError(clientError('HPE_HEADER_OVERFLOW')).status).toBe(431)
    expect(toClientWardenError(clientError('HPE_INVALID_METHOD')).status).toBe(400)
    expect(toClientWardenError(new Error('no code')).code).toBe('invalid_request_error')
  })

  it('writes a complete response whose content-length counts the JSON body in bytes', () => {
    const raw = toRawHttpResponse(toClientWardenError(clientError('HPE_HEADER_OVERFLOW')))
    const [head = '', body = ''] = raw.split('\r\n\r\n')
    expect(head.split('\r\n')).toEqual([
      'HTTP/1.1 431 Request Header Fields Too Large',
      'content-type: application/json',
      `content-length: ${Buffer.byteLength(body)}`,
      'connection: close',
    ])
    expect(JSON.parse(body)).toMatchObject({
      error: {
        code: 'request_header_fields_too_large',
        type: 'invalid_request_error',
        param: null,
      },
    })
  })
})
