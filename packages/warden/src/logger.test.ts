import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createLogger, createRequestLineWriter } from './logger.js'
import type { RequestLogLine } from './pipeline/index.js'

function capture() {
  const lines: string[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean))
      done()
    },
  })
  return { stream, lines }
}

const line: RequestLogLine = {
  request_id: 'req_abc1',
  endpoint: 'chat',
  key_prefix: 'wdn_AbCd1234',
  app_id: 'app_1',
  model: 'vendor/"odd"\nmodel\u2028é',
  status: 200,
  outcome: 'ok',
  error_code: null,
  ms: 1.3,
}

describe('the request log line', () => {
  it('is the line pino itself writes at info, with the same fields and escaping', async () => {
    const ours = capture()
    const theirs = capture()
    createRequestLineWriter(createLogger({ level: 'info' }, ours.stream))(line)
    createLogger({ level: 'info' }, theirs.stream).info(line, 'request')
    await new Promise((resolve) => setImmediate(resolve))
    expect(ours.lines).toHaveLength(1)
    const mine = JSON.parse(ours.lines[0] ?? '') as Record<string, unknown>
    const pinos = JSON.parse(theirs.lines[0] ?? '') as Record<string, unknown>
    expect(typeof mine.time).toBe('number')
    expect({ ...mine, time: 0 }).toEqual({ ...pinos, time: 0 })
    expect(Object.keys(mine)).toEqual(Object.keys(pinos))
    expect(mine.model).toBe(line.model)
  })

  it('is not written when the level is above info', async () => {
    const out = capture()
    createRequestLineWriter(createLogger({ level: 'warn' }, out.stream))({ ...line, ms: NaN })
    await new Promise((resolve) => setImmediate(resolve))
    expect(out.lines).toEqual([])
  })

  it('stays valid JSON when a time is not a number', async () => {
    const out = capture()
    createRequestLineWriter(createLogger({ level: 'info' }, out.stream))({ ...line, ms: NaN })
    await new Promise((resolve) => setImmediate(resolve))
    expect((JSON.parse(out.lines[0] ?? '') as { ms: unknown }).ms).toBeNull()
  })
})
