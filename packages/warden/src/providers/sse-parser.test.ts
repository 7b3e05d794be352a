import { describe, expect, it } from 'vitest'
import { parseSseJson } from './sse-parser.js'

async function* pieces(...parts: Array<string | Buffer>): AsyncGenerator<Buffer | string> {
  for (const part of parts) {
    await Promise.resolve()
    yield part
  }
}

async function collect(parts: Array<string | Buffer>) {
  let released = 0
  const out: unknown[] = []
  const error = await (async () => {
    for await (const value of parseSseJson({
      body: pieces(...parts),
      mapError: (e) => e,
      release: () => (released += 1),
    })) {
      out.push(value)
    }
  })().catch((e: unknown) => e)
  return { out, error, released }
}

describe('parseSseJson', () => {
  it('joins a multi-byte character split across two reads', async () => {
    const bytes = Buffer.from('data: {"t":"héllo ✓"}\n\n', 'utf8')
    const cut = bytes.indexOf(0xa9) // inside "é"
    const { out } = await collect([bytes.subarray(0, cut), bytes.subarray(cut), 'data: [DONE]\n\n'])
    expect(out).toEqual([{ t: 'héllo ✓' }])
  })

  it('reads CRLF framing, comments and events split anywhere, and stops at [DONE]', async () => {
    const { out, released } = await collect([
      ': keep-alive\r\n\r\nda',
      'ta: {"a":1}\r\n\r\ndata: {"a"',
      ':2}\n\ndata: [DONE]\n\ndata: {"a":3}\n\n',
    ])
    expect(out).toEqual([{ a: 1 }, { a: 2 }])
    expect(released).toBe(1)
  })

  it('fails with upstream_error on a chunk that is not JSON, and on an upstream error payload', async () => {
    const bad = await collect(['data: {"a":1}\n\ndata: {nope\n\n'])
    expect(bad.out).toEqual([{ a: 1 }])
    expect(bad.error).toMatchObject({ code: 'upstream_error' })
    const reported = await collect(['data: {"error":{"message":"overloaded"}}\n\n'])
    expect(reported.error).toMatchObject({ code: 'upstream_error' })
    expect(reported.released).toBe(1)
  })
})
