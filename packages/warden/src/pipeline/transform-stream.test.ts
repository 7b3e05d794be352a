import { describe, expect, it } from 'vitest'
import { transformStream } from './transform-stream.js'

function source(values: readonly string[], failAt?: number) {
  const state = { closed: false, pulled: 0 }
  async function* generate(): AsyncGenerator<string> {
    try {
      for (const [i, value] of values.entries()) {
        await Promise.resolve()
        if (i === failAt) throw new Error(`source broke at ${i}`)
        state.pulled += 1
        yield value
      }
    } finally {
      state.closed = true
    }
  }
  return { stream: generate(), state }
}

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const value of stream) out.push(value)
  return out
}

describe('transformStream', () => {
  it('holds chunks back and releases them later, together', async () => {
    const { stream } = source(['a', 'b', 'c', 'd', 'e'])
    let held: string[] = []
    const out = transformStream(stream, {
      // A window of two: release in pairs.
      chunk: (value) => {
        held.push(value)
        if (held.length < 2) return []
        const release = held
        held = []
        return release
      },
      end: () => held,
    })
    expect(await collect(out)).toEqual(['a', 'b', 'c', 'd', 'e'])
  })

  it('replaces chunks, asynchronously', async () => {
    const { stream } = source(['x', 'y'])
    const out = transformStream(stream, {
      chunk: async (value) => {
        await new Promise((resolve) => setTimeout(resolve, 1))
        return [value.toUpperCase(), `${value}!`]
      },
    })
    expect(await collect(out)).toEqual(['X', 'x!', 'Y', 'y!'])
  })

  it('ends the stream with the transform error and closes the source', async () => {
    const { stream, state } = source(['ok', 'bad', 'never'])
    const out = transformStream(stream, {
      chunk: (value) => {
        if (value === 'bad') throw new Error('blocked by the filter')
        return [value]
      },
    })
    const seen: string[] = []
    await expect(
      (async () => {
        for await (const value of out) seen.push(value)
      })(),
    ).rejects.toThrow('blocked by the filter')
    expect(seen).toEqual(['ok'])
    expect(state).toEqual({ closed: true, pulled: 2 })
  })

  it('ends with an error from end(), after what went before', async () => {
    const { stream } = source(['a'])
    const out = transformStream(stream, {
      chunk: () => [],
      end: () => {
        throw new Error('held text failed the final check')
      },
    })
    await expect(collect(out)).rejects.toThrow('held text failed the final check')
  })

  it('passes a source failure through', async () => {
    const { stream } = source(['a', 'b'], 1)
    const out = transformStream(stream, { chunk: (value) => [value] })
    await expect(collect(out)).rejects.toThrow('source broke at 1')
  })

  it('closes the source when the consumer stops early', async () => {
    const { stream, state } = source(['a', 'b', 'c'])
    const out = transformStream(stream, { chunk: (value) => [value] })
    for await (const value of out) if (value === 'a') break
    expect(state.closed).toBe(true)
    expect(state.pulled).toBe(1)
  })

  it('stops: sends its last chunks, closes the source at once, then fails', async () => {
    const { stream, state } = source(['a', 'b', 'c', 'd'])
    const out = transformStream(stream, {
      chunk: (value) =>
        value === 'b' ? { last: ['b-stopped'], error: new Error('stopped at b') } : [value],
    })
    const seen: string[] = []
    await expect(
      (async () => {
        for await (const value of out) seen.push(value)
      })(),
    ).rejects.toThrow('stopped at b')
    expect(seen).toEqual(['a', 'b-stopped'])
    expect(state).toEqual({ closed: true, pulled: 2 })
  })

  it('lets held chunks out before a source failure, when the transform says so', async () => {
    const { stream } = source(['a', 'b', 'c'], 2)
    const out = transformStream(stream, {
      chunk: () => [],
      fail: () => ['a', 'b'],
    })
    const seen: string[] = []
    await expect(
      (async () => {
        for await (const value of out) seen.push(value)
      })(),
    ).rejects.toThrow('source broke at 2')
    expect(seen).toEqual(['a', 'b'])
  })
})
