import { describe, expect, it } from 'vitest'
import { formatDuration } from './limit-answers.js'

describe('reset durations as OpenAI writes them', () => {
  it('writes milliseconds, seconds with a tenth, minutes and hours', () => {
    expect(formatDuration(20)).toBe('20ms')
    expect(formatDuration(999.2)).toBe('1000ms')
    expect(formatDuration(1_000)).toBe('1s')
    expect(formatDuration(59_500)).toBe('59.5s')
    expect(formatDuration(59_501)).toBe('59.6s')
    expect(formatDuration(360_000)).toBe('6m0s')
    expect(formatDuration(61_500)).toBe('1m1.5s')
    expect(formatDuration(86_400_000)).toBe('24h0m0s')
  })
})
