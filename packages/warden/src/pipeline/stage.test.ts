import { describe, expect, it } from 'vitest'
import { compose, tapStream, type Stage } from './stage.js'
import type { Exchange } from './exchange.js'

async function* numbers(failAt?: number): AsyncGenerator<number> {
  for (let i = 1; i <= 5; i += 1) {
    await Promise.resolve()
    if (i === failAt) throw new Error(`broke at ${i}`)
    yield i
  }
}

describe('tapStream', () => {
  it('passes, replaces and holds back chunks, then ends once with null', async () => {
    const ends: unknown[] = []
    const tapped = tapStream(numbers(), {
      chunk: (n) => (n === 2 ? undefined : n * 10),
      end: (error) => {
        ends.push(error)
      },
    })
    const seen: number[] = []
    for await (const n of tapped) seen.push(n)
    expect(seen).toEqual([10, 30, 40, 50])
    expect(ends).toEqual([null])
  })

  it('ends once with the error when the source fails, and rethrows it', async () => {
    const ends: unknown[] = []
    const tapped = tapStream(numbers(3), { end: (error) => void ends.push(error) })
    const seen: number[] = []
    const failure = await (async () => {
      for await (const n of tapped) seen.push(n)
    })().catch((e: unknown) => e)
    expect(seen).toEqual([1, 2])
    expect((failure as Error).message).toBe('broke at 3')
    expect(ends).toEqual([failure])
  })

  it('ends once, waits for an async end, and closes the source when the consumer stops early', async () => {
    let sourceClosed = false
    async function* source() {
      try {
        yield* numbers()
      } finally {
        sourceClosed = true
      }
    }
    const order: string[] = []
    const tapped = tapStream(source(), {
      end: async () => {
        await new Promise((resolve) => setTimeout(resolve, 5))
        order.push('end')
      },
    })
    for await (const n of tapped) if (n === 2) break
    order.push('after loop')
    expect(order).toEqual(['end', 'after loop'])
    expect(sourceClosed).toBe(true)
  })
})

describe('compose', () => {
  it('runs stages onion-style: outer stages see the way in and the way back', async () => {
    const trace: string[] = []
    const stage =
      (name: string): Stage =>
      async (_x, next) => {
        trace.push(`${name} in`)
        await next()
        trace.push(`${name} out`)
      }
    await compose([stage('a'), stage('b')])({} as Exchange)
    expect(trace).toEqual(['a in', 'b in', 'b out', 'a out'])
  })
})
