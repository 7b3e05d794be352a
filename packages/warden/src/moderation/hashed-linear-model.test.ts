import { describe, expect, it } from 'vitest'
import {
  decodeModel,
  encodeModel,
  scoreWords,
  type HashedLinearModel,
} from './hashed-linear-model.js'
import { featureWords, visitFeatures } from './text-features.js'

function tinyModel(): HashedLinearModel {
  const bits = 8
  const weights = new Int8Array(2 ** bits * 2)
  for (const index of featureIndices('awful')) weights[index * 2] = 127
  return {
    categories: ['bad', 'other'],
    bits,
    weights,
    scales: Float32Array.from([0.1, 0.1]),
    biases: Float32Array.from([-2, -2]),
    gates: Int8Array.from([-1, 0]),
    about: { note: 'test' },
  }
}

function featureIndices(text: string): number[] {
  const indices: number[] = []
  visitFeatures(featureWords(text), 8, (index) => indices.push(index))
  return indices
}

describe('hashed linear model', () => {
  it('gives every word, word pair and character n-gram one feature, the same each time', () => {
    const words = featureWords('Hello there')
    expect(words).toEqual(['hello', 'there'])
    // hello: 1 word + 5 n-grams of 3 + 4 of 4 + 3 of 5 in <hello>; there: the same + 1 pair
    expect(featureIndices('Hello there')).toHaveLength(13 + 14)
    expect(featureIndices('Hello there')).toEqual(featureIndices('HELLO   there!'))
  })

  it('replaces links and mentions', () => {
    expect(featureWords('@someone see https://example.com/x?y=1 now')).toEqual([
      'see',
      'httplink',
      'now',
    ])
  })

  it('scores in [0, 1], higher for the features it weighs', () => {
    const model = tinyModel()
    const [awful = 0, other = 0] = scoreWords(model, featureWords('that was awful'))
    const [fine = 0] = scoreWords(model, featureWords('that was fine'))
    expect(awful).toBeGreaterThan(fine)
    for (const score of [awful, other, fine]) {
      expect(score).toBeGreaterThanOrEqual(0)
      expect(score).toBeLessThanOrEqual(1)
    }
  })

  it('reads back what it wrote, and refuses bytes that are not a model', () => {
    const model = tinyModel()
    const copy = decodeModel(encodeModel(model))
    expect(copy.categories).toEqual(model.categories)
    expect(copy.weights).toEqual(model.weights)
    expect(copy.about).toEqual({ note: 'test' })
    expect(() => decodeModel(Buffer.from('not a model'))).toThrow(/WDNHLM01/)
    const cut = encodeModel(model).subarray(0, 200)
    expect(() => decodeModel(cut)).toThrow(/expected 512 bytes/)
  })
})
