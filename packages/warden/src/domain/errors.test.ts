import { describe, expect, it } from 'vitest'
import { ERROR_CODES, ERRORS, WardenError } from './errors.js'

describe('the one error table', () => {
  it('gives every code a status, an OpenAI type, an outcome and an audit flag', () => {
    for (const code of ERROR_CODES) {
      const spec = ERRORS[code]
      expect(spec.status, code).toBeGreaterThanOrEqual(400)
      expect(spec.status, code).toBeLessThan(600)
      // OpenAI's own limit refusals say which budget: `requests`, `tokens`, `insufficient_quota`.
      expect(spec.type, code).toMatch(/_error$|^requests$|^insufficient_quota$/)
    }
  })

  it('audits the refusals of keys, models and the usage policy, and nothing a typo causes', () => {
    const audited = ERROR_CODES.filter((code) => ERRORS[code].audited)
    expect(audited.sort()).toEqual(
      [
        'api_key_expired',
        'api_key_revoked',
        'api_key_suspended',
        'application_not_approved',
        'application_suspended',
        'policy_acceptance_required',
        'content_policy_violation',
        'invalid_api_key',
        'missing_api_key',
        'model_not_allowed',
      ].sort(),
    )
    expect(ERRORS.invalid_json.audited).toBe(false)
  })

  it('counts upstream failures and refusals as such', () => {
    expect(ERRORS.upstream_timeout).toMatchObject({ status: 504, outcome: 'upstream_error' })
    expect(ERRORS.api_key_revoked).toMatchObject({ status: 403, outcome: 'refused' })
    expect(ERRORS.request_cancelled).toMatchObject({ status: 499, outcome: 'cancelled' })
  })

  it('carries response headers such as Retry-After', () => {
    const error = new WardenError('upstream_rate_limited', 'slow down', {
      headers: { 'retry-after': '2' },
    })
    expect(error.headers).toEqual({ 'retry-after': '2' })
    expect(error.toBody()).toEqual({
      error: {
        message: 'slow down',
        type: 'rate_limit_error',
        code: 'upstream_rate_limited',
        param: null,
      },
    })
    expect(new WardenError('not_found', 'x').headers).toBeNull()
  })

  it('lets a limit refusal say which budget refused it, as OpenAI does', () => {
    const error = new WardenError('rate_limit_exceeded', 'over', { type: 'tokens' })
    expect(error.toBody().error).toMatchObject({ type: 'tokens', code: 'rate_limit_exceeded' })
    expect(error.status).toBe(429)
    expect(new WardenError('rate_limit_exceeded', 'over').toBody().error.type).toBe('requests')
    expect(new WardenError('insufficient_quota', 'over').toBody().error.type).toBe(
      'insufficient_quota',
    )
  })
})
