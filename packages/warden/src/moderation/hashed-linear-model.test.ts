import { describe, expect, it } from 'vitest'
import {
  decodeModel,
  encodeModel,
  scoreWords,
  type HashedLinearModel,
} from './hashed-linear-model.js'
import { featureIndices, featureWords } from './text-features.js'

function tinyModel(): HashedLinearModel {
  const bits = 8
  const weights = new Int8Array(2 ** bits * 2)
  for (const index of indicesOf('awful')) weights[index * 2] = 127
  return {
    categories: ['bad', 'other'],
    bits,
    weights,
    scales: Float32Array.from([0.1, 0.1]),
    biases: Float32Array.from([-2, -2]),
    gates: [[], [0]],
    about: { note: 'test' },
  }
}

const indicesOf = (text: string): number[] => [...featureIndices(featureWords(text), 8)]

describe('hashed linear model', () => {
  it('gives every word, word pair and character n-gram one feature, the same each time', () => {
    const words = featureWords('Hello there')
    expect(words).toEqual(['hello', 'there'])
    // hello: 1 word + 5 n-grams of 3 + 4 of 4 + 3 of 5 in <hello>; there: the same + 1 pair
    expect(indicesOf('Hello there')).toHaveLength(13 + 14)
    expect(indicesOf('Hello there')).toEqual(indicesOf('HELLO   there!'))
    // a third word pairs with both words before it: you, there you, hello…you, 6 n-grams of <you>
    expect(indicesOf('Hello there you')).toHaveLength(13 + 14 + 1 + 1 + 1 + 6)
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

  it('keeps a second stage with its own weights, scales and biases', () => {
    const model = tinyModel()
    const second = {
      weights: model.weights.map((w) => -w),
      scales: Float32Array.from([0.2, 0.3]),
      biases: Float32Array.from([1, 2]),
    }
    const copy = decodeModel(encodeModel({ ...model, second }))
    expect(copy.weights).toEqual(model.weights)
    expect(copy.second).toEqual(second)
    expect(decodeModel(encodeModel(model)).second).toBeUndefined()
  })

  it('keeps the operating scores, one per category strictly between 0 and 1', () => {
    const model = { ...tinyModel(), operating: Float32Array.from([0.5, 0.25]) }
    expect(decodeModel(encodeModel(model)).operating).toEqual(model.operating)
    expect(decodeModel(encodeModel(tinyModel())).operating).toBeUndefined()
    const short = { ...model, operating: Float32Array.from([0.5]) }
    expect(() => decodeModel(encodeModel(short))).toThrow(/one number per category/)
    const out = { ...model, operating: Float32Array.from([0.5, 1]) }
    expect(() => decodeModel(encodeModel(out))).toThrow(/operating/)
  })
})
