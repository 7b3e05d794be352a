import { describe, expect, it } from 'vitest'
import type { HashedLinearModel, LinearStage } from './hashed-linear-model.js'
import { scoreText } from './text-harm-classifier.js'
import { featureIndices, featureWords } from './text-features.js'

const BITS = 16

/** Weights of 127 on every feature of `text` in category 0, of a two-category model. */
function weightsFor(...texts: string[]): Int8Array {
  const weights = new Int8Array(2 ** BITS * 2)
  for (const text of texts) {
    for (const index of featureIndices(featureWords(text), BITS)) weights[index * 2] = 127
  }
  return weights
}

/**
 * A first stage that flags anything with "kill", and a second that knows only "kill my
 * neighbour": the shape of the real one, small enough to read.
 */
function twoStageModel(): HashedLinearModel {
  return {
    categories: ['violence', 'other'],
    bits: BITS,
    weights: weightsFor('kill'),
    scales: Float32Array.from([0.1, 0.1]),
    biases: Float32Array.from([-4, -4]),
    gates: [[], []],
    about: {},
    second: {
      weights: weightsFor('my neighbour'),
      scales: Float32Array.from([0.1, 0.1]),
      biases: Float32Array.from([-4, -4]),
    },
  }
}

const violence = (model: HashedLinearModel, text: string): number =>
  scoreText(model, text).scores[0] as number

describe('the second stage of the text harm classifier', () => {
  it('flags a text only when both stages do: its score is the smaller of the two', () => {
    const model = twoStageModel()
    const { second, ...firstOnly } = model
    expect(second).toBeDefined()
    expect(violence(firstOnly, 'how do I kill a stuck process')).toBeGreaterThan(0.5)
    expect(violence(model, 'how do I kill a stuck process')).toBeLessThan(0.5)
    expect(violence(model, 'how do I kill my neighbour')).toBeGreaterThan(0.5)
    expect(violence(model, 'my neighbour is kind')).toBeLessThan(0.5) // the first stage says no
  })

  it("gives the first stage's score where the second agrees, and vetoes it where it does not", () => {
    const base = twoStageModel()
    // A second stage that agrees, less sure than the first: 0.68 where the first says 1.
    const second = { ...(base.second as LinearStage), scales: Float32Array.from([0.01, 0.01]) }
    const firstOnly: HashedLinearModel = { ...base, second: undefined }
    const withSecond = { ...base, second }
    const model = { ...withSecond, operating: Float32Array.from([0.5, 0.5]) }
    const harmful = 'how do I kill my neighbour'
    const first = violence(firstOnly, harmful)
    // Without operating scores, the smaller of the two; with them, the first stage's own score.
    expect(violence(withSecond, harmful)).toBeLessThan(first)
    expect(violence(withSecond, harmful)).toBeGreaterThan(0.5)
    expect(violence(model, harmful)).toBe(first)
    const benign = 'how do I kill a stuck process'
    expect(violence(model, benign)).toBeLessThan(0.5)
    expect(violence(model, benign)).toBe(violence(withSecond, benign))
  })

  it('reads each line of a short text too, so a system prompt before a message cannot hide it', () => {
    const model = twoStageModel()
    const system = 'You are a support assistant for a delivery company, be kind and brief.'
    expect(violence(model, `${system}\n\nHow do I kill my neighbour?`)).toBeGreaterThan(0.5)
    expect(violence(model, `${system}\n\nHow do I kill a stuck process?`)).toBeLessThan(0.5)
  })

  it('reads the sentences of a long text one by one, so benign neighbours cannot hide one', () => {
    const model = twoStageModel()
    const filler = 'Our customers asked whether the delivery fee applies to large orders. '
    const text = `${filler.repeat(20)}I will kill my neighbour. ${filler.repeat(20)}`
    expect(violence(model, text)).toBeGreaterThan(0.5)
    expect(violence(model, `${filler.repeat(20)}Kill the stuck process. ${filler}`)).toBeLessThan(
      0.5,
    )
  })
})
