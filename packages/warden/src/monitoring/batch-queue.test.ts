import { describe, expect, it } from 'vitest'
import { createBatchQueue } from './batch-queue.js'

describe('createBatchQueue', () => {
  it('writes in order, in batches, and keeps a failed batch for the next attempt', async () => {
    const written: number[][] = []
    let failNext = true
    const errors: number[] = []
    const queue = createBatchQueue<number>({
      batchSize: 3,
      intervalMs: 60_000,
      maxQueue: 100,
      onError: (_error, size) => errors.push(size),
      write: (batch) => {
        if (failNext) {
          failNext = false
          return Promise.reject(new Error('database away'))
        }
        written.push([...batch])
        return Promise.resolve()
      },
    })
    for (let i = 1; i <= 7; i += 1) queue.push(i)
    await queue.flush()
    expect(errors).toEqual([3])
    await queue.flush()
    expect(written).toEqual([[1, 2, 3], [4, 5, 6], [7]])
    expect(queue.stats()).toMatchObject({ queued: 0, written: 7, dropped: 0, failedWrites: 1 })
    await queue.close()
  })

  it('drops beyond maxQueue, counts the drops and reports them once a tick', async () => {
    const reports: number[] = []
    const queue = createBatchQueue<number>({
      batchSize: 1_000,
      intervalMs: 20,
      maxQueue: 5,
      onError: () => undefined,
      onDrop: (n) => reports.push(n),
      write: () => new Promise((resolve) => setTimeout(resolve, 200)),
    })
    for (let i = 0; i < 12; i += 1) queue.push(i)
    expect(queue.stats().dropped).toBe(7)
    await expect.poll(() => reports, { timeout: 1_000 }).toEqual([7])
    await queue.close()
    queue.push(99)
    expect(queue.stats().dropped).toBe(8)
  })

  it('gives up a batch that keeps failing, counts it as dropped, and moves on', async () => {
    const written: number[] = []
    const queue = createBatchQueue<number>({
      batchSize: 2,
      intervalMs: 60_000,
      maxQueue: 100,
      maxAttempts: 3,
      onError: () => undefined,
      write: (batch) => {
        if (batch.includes(1)) return Promise.reject(new Error('constraint violated'))
        written.push(...batch)
        return Promise.resolve()
      },
    })
    for (const n of [1, 2, 3, 4]) queue.push(n)
    await queue.flush()
    await queue.flush()
    expect(written).toEqual([])
    await queue.flush()
    expect(written).toEqual([3, 4])
    expect(queue.stats()).toMatchObject({ queued: 0, written: 2, dropped: 2, failedWrites: 3 })
    await queue.close()
  })

  it('writes only full batches between ticks, and everything on flush', async () => {
    const sizes: number[] = []
    const queue = createBatchQueue<number>({
      batchSize: 4,
      intervalMs: 60_000,
      maxQueue: 100,
      onError: () => undefined,
      write: (batch) => {
        sizes.push(batch.length)
        return new Promise((resolve) => setTimeout(resolve, 5))
      },
    })
    await queue.flush()
    for (let i = 0; i < 10; i += 1) queue.push(i)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(sizes).toEqual([4, 4])
    await queue.flush()
    expect(sizes).toEqual([4, 4, 2])
    await queue.close()
  })

  it('drops an item that would take the waiting weight past maxWeight, and takes more once written', async () => {
    const written: string[] = []
    const queue = createBatchQueue<string>({
      batchSize: 100,
      intervalMs: 60_000,
      maxQueue: 100,
      onError: () => undefined,
      weigh: (text) => text.length,
      maxWeight: 10,
      write: (batch) => {
        written.push(...batch)
        return Promise.resolve()
      },
    })
    queue.push('aaaa')
    queue.push('bbbbbbbbbbb')
    queue.push('cccccc')
    queue.push('d')
    expect(queue.stats()).toMatchObject({ queued: 2, dropped: 2 })
    await queue.flush()
    queue.push('eeeeeeeeee')
    await queue.close()
    expect(written).toEqual(['aaaa', 'cccccc', 'eeeeeeeeee'])
  })
})
