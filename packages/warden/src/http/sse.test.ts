import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { JsonObject } from '../domain/index.js'
import { parseSseJson } from '../providers/index.js'
import { writeSse } from './sse.js'

async function* pieces(...parts: string[]): AsyncGenerator<string> {
  for (const part of parts) {
    await Promise.resolve()
    yield part
  }
}

let server: Server | null = null
afterEach(
  () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())),
)

/** Relays an upstream's SSE text through the parser and `writeSse`, over a real socket. */
async function relay(upstreamText: string[], transform = (v: JsonObject) => v): Promise<string> {
  server = createServer((_req, res) => {
    const parsed = parseSseJson<JsonObject>({
      body: pieces(...upstreamText),
      mapError: (e) => e,
      release: () => undefined,
    })
    const iterator = (async function* () {
      for await (const value of parsed) yield transform(value)
    })()
    void iterator.next().then((first) =>
      writeSse(res, iterator, first, {
        requestId: 'req_test',
        headers: {},
        framing: 'data',
        onFailure: () => undefined,
      }),
    )
  })
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => (text += d))
      res.on('end', () => resolve(text))
    })
      .on('error', reject)
      .end()
  })
}

describe('writeSse', () => {
  it('passes an unchanged chunk on as the upstream wrote it', async () => {
    const text = await relay(['data: {"b": 2,   "a":1.0}\n\n', 'data: [DONE]\n\n'])
    expect(text).toBe('data: {"b": 2,   "a":1.0}\n\ndata: [DONE]\n\n')
  })

  it('puts a chunk whose JSON spans several data lines back on one line', async () => {
    const text = await relay(['data: {"a":\ndata: 1}\n\n', 'data: {"a":\ndata:   2}\n\n'])
    expect(text).toBe('data: {"a":1}\n\ndata: {"a":2}\n\ndata: [DONE]\n\n')
  })

  it('serializes a chunk a stage replaced', async () => {
    const text = await relay(['data: {"a": 1}\n\n'], (v) => ({ ...v, a: 2 }))
    expect(text).toBe('data: {"a":2}\n\ndata: [DONE]\n\n')
  })
})
