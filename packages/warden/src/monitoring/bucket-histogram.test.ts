import { describe, expect, it } from 'vitest'
import { parsePrometheusText, sampleValue } from '../testing/prometheus-text.js'
import { BucketHistogram, histogramText } from './bucket-histogram.js'

describe('BucketHistogram', () => {
  it('writes cumulative buckets, +Inf, sum and count in the text format', () => {
    const h = new BucketHistogram([0.1, 1], { model: 'm' })
    for (const v of [0.05, 0.1, 0.5, 3]) h.observe(v)
    const samples = parsePrometheusText(histogramText('x_seconds', 'Help.', [h]))
    const bucket = (le: string) => sampleValue(samples, 'x_seconds_bucket', { model: 'm', le })
    expect([bucket('0.1'), bucket('1'), bucket('+Inf')]).toEqual([2, 3, 4])
    expect(sampleValue(samples, 'x_seconds_sum', { model: 'm' })).toBeCloseTo(3.65)
    expect(sampleValue(samples, 'x_seconds_count', { model: 'm' })).toBe(4)
  })

  it('escapes label values, so a model id cannot break a line or forge a label', () => {
    const id = 'a"b\\c\nle="0"'
    const h = new BucketHistogram([1], { model: id })
    h.observe(0.5)
    const text = histogramText('x_seconds', 'Help.', [h])
    expect(text.split('\n').filter((l) => l.startsWith('x_seconds_count'))).toHaveLength(1)
    expect(sampleValue(parsePrometheusText(text), 'x_seconds_count', { model: id })).toBe(1)
  })
})
