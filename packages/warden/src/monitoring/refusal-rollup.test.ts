import { afterEach, describe, expect, it } from 'vitest'
import type { AuditInput } from '../domain/index.js'
import { createRefusalRollup, OTHER_SOURCES, type RefusalRollup } from './refusal-rollup.js'

const MINUTE = 60_000
const T0 = Date.UTC(2026, 11, 2, 10, 0, 0)

describe('the refusal roll-up', () => {
  let rollup: RefusalRollup | undefined
  afterEach(() => rollup?.close())

  function setUp(maxSources = 100) {
    const entries: AuditInput[] = []
    let clock = T0
    rollup = createRefusalRollup({
      audit: {
        append: (e) => entries.push(e),
        appendNow: (e) => Promise.resolve(void entries.push(e)),
      },
      windowMs: MINUTE,
      maxSources,
      now: () => clock,
    })
    return { entries, rollup, at: (ms: number) => (clock = T0 + ms) }
  }

  it('writes one entry per source and code for a window, with the count, when the window ends', () => {
    const { entries, rollup, at } = setUp()
    for (let i = 0; i < 500; i += 1) {
      at(i * 10)
      rollup.refused({ source: '203.0.113.7', code: 'invalid_api_key', endpoint: 'chat' })
    }
    rollup.refused({ source: '203.0.113.7', code: 'missing_api_key', endpoint: 'models' })
    rollup.refused({ source: '198.51.100.2', code: 'invalid_api_key', endpoint: 'embeddings' })
    rollup.flush()
    expect(entries).toEqual([])

    at(MINUTE + 1)
    rollup.flush()
    expect(entries).toHaveLength(3)
    expect(entries[0]).toEqual({
      actor: 'anonymous',
      action: 'request.refused',
      target: null,
      details: {
        code: 'invalid_api_key',
        source: '203.0.113.7',
        count: 500,
        endpoints: { chat: 500 },
        window_start: '2026-12-02T10:00:00.000Z',
        window_end: '2026-12-02T10:01:00.000Z',
        first_at: '2026-12-02T10:00:00.000Z',
        last_at: '2026-12-02T10:00:04.990Z',
      },
    })
    expect(entries.map((e) => [e.details?.source, e.details?.code, e.details?.count])).toEqual([
      ['203.0.113.7', 'invalid_api_key', 500],
      ['203.0.113.7', 'missing_api_key', 1],
      ['198.51.100.2', 'invalid_api_key', 1],
    ])
  })

  it('starts a new entry in the next window and writes the last one on close', () => {
    const { entries, rollup, at } = setUp()
    rollup.refused({ source: '203.0.113.7', code: 'invalid_api_key', endpoint: 'chat' })
    at(MINUTE + 5)
    rollup.refused({ source: '203.0.113.7', code: 'invalid_api_key', endpoint: 'chat' })
    rollup.refused({ source: '203.0.113.7', code: 'invalid_api_key', endpoint: 'chat' })
    expect(entries.map((e) => e.details?.count)).toEqual([1])
    rollup.close()
    expect(entries.map((e) => [e.details?.count, e.details?.window_start])).toEqual([
      [1, '2026-12-02T10:00:00.000Z'],
      [2, '2026-12-02T10:01:00.000Z'],
    ])
  })

  it('keeps memory bounded: sources beyond the cap are counted together', () => {
    const { entries, rollup, at } = setUp(3)
    for (let i = 0; i < 1000; i += 1) {
      rollup.refused({
        source: `10.0.${i >> 8}.${i & 255}`,
        code: 'invalid_api_key',
        endpoint: 'chat',
      })
    }
    // A source seen before the cap was reached keeps its own entry.
    rollup.refused({ source: '10.0.0.1', code: 'invalid_api_key', endpoint: 'chat' })
    at(MINUTE)
    rollup.flush()
    expect(entries.map((e) => [e.details?.source, e.details?.count])).toEqual([
      ['10.0.0.0', 1],
      ['10.0.0.1', 2],
      ['10.0.0.2', 1],
      [OTHER_SOURCES, 997],
    ])
  })
})
