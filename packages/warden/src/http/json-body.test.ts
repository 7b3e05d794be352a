import { describe, expect, it } from 'vitest'
import { WardenError } from '../domain/index.js'
import { decodeJsonBody, MAX_JSON_DEPTH, nestsDeeperThan } from './json-body.js'

function failureOf(raw: Buffer): WardenError {
  try {
    decodeJsonBody(raw)
  } catch (error) {
    if (error instanceof WardenError) return error
    throw error
  }
  throw new Error('expected a WardenError')
}

describe('decodeJsonBody', () => {
  it('parses an ordinary body, strings holding brackets and escaped quotes included', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'a "[{" b \\ }' }] }
    expect(decodeJsonBody(Buffer.from(JSON.stringify(body)))).toEqual(body)
  })

  it('refuses JSON nested 10,000 deep with a 400 invalid_json, without overflowing the stack', () => {
    for (const raw of [
      '['.repeat(10_000) + ']'.repeat(10_000),
      '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000),
    ]) {
      const error = failureOf(Buffer.from(raw))
      expect(error).toMatchObject({ code: 'invalid_json', status: 400 })
      expect(error.message).toMatch(/deeper than/)
    }
    const deepest = '['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH)
    expect(decodeJsonBody(Buffer.from(deepest))).toBeInstanceOf(Array)
  })

  it('refuses invalid UTF-8 instead of rewriting it to U+FFFD', () => {
    const raw = Buffer.concat([
      Buffer.from('{"model":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}'),
    ])
    expect(failureOf(raw)).toMatchObject({
      code: 'invalid_json',
      message: expect.stringMatching(/UTF-8/) as unknown,
    })
    expect(decodeJsonBody(Buffer.from('{"text":"héllo ✓ 😀"}'))).toEqual({ text: 'héllo ✓ 😀' })
  })

  it('refuses empty bodies, syntax errors and prototype-reaching keys', () => {
    for (const raw of [
      '',
      '{"a":',
      '{"__proto__": {"admin": true}}',
      '[{"constructor": {"prototype": {}}}]',
    ]) {
      expect(failureOf(Buffer.from(raw)), raw).toMatchObject({ code: 'invalid_json', status: 400 })
    }
    expect(decodeJsonBody(Buffer.from('{"constructor": "a word"}'))).toEqual({
      constructor: 'a word',
    })
  })

  it('counts depth outside strings only', () => {
    expect(nestsDeeperThan(`{"a":"${'['.repeat(500)}"}`, 2)).toBe(false)
    expect(nestsDeeperThan('[[[1]]]', 2)).toBe(true)
  })
})
