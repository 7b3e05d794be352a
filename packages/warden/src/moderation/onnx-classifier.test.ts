import { existsSync } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { Classifier } from './classifier.js'
import { onnxClassifierKind, windowsOf } from './onnx-classifier.js'

// The tiny model sits in the shared data beside the checkout (../shared/data), which CI has.
const MODEL_DIR = fileURLToPath(
  new URL('../../../../../shared/data/models/tiny-text-classifier', import.meta.url),
)
const TOXIC = 'I hate you, you are worthless subhuman trash and should disappear'
const KIND = 'You are a wonderful friend, thank you for the lovely dinner'

const build = (raw: Record<string, unknown>, baseDir = process.cwd()) =>
  onnxClassifierKind.create('tiny', onnxClassifierKind.options.parse({ dir: MODEL_DIR, ...raw }), {
    baseDir,
    env: {},
  })
const judge = (classifier: Classifier, text: string, signal = AbortSignal.timeout(10_000)) =>
  classifier.classify({ text, direction: 'input', signal })

describe.runIf(existsSync(MODEL_DIR))('onnx classifier on the tiny test model', () => {
  const labels = { SAFE: {}, TOXIC: { category: 'hate' } }

  it('loads the local model, runs it and reports the mapped label as its category', async () => {
    const classifier = await build({ labels, min_score: 0 })
    const toxic = await judge(classifier, TOXIC)
    const kind = await judge(classifier, KIND)
    expect(toxic).toEqual([
      { category: 'hate', score: expect.any(Number) as number, label: 'toxic', classifier: 'tiny' },
    ])
    const scoreOf = (findings: typeof toxic) => findings[0]?.score ?? -1
    expect(scoreOf(toxic)).toBeGreaterThan(0)
    expect(scoreOf(toxic)).toBeLessThan(1)
    // Random-ish weights, but trained four epochs: the ordering of two plain cases holds.
    expect(scoreOf(toxic)).toBeGreaterThan(scoreOf(kind))
  })

  it('reports one minus the probability of an inverted label', async () => {
    const plain = await judge(await build({ labels, min_score: 0 }), TOXIC)
    const inverted = await judge(
      await build({
        labels: { SAFE: { category: 'hate', invert: true }, TOXIC: {} },
        min_score: 0,
      }),
      TOXIC,
    )
    expect(inverted).toEqual([expect.objectContaining({ category: 'hate', label: 'safe' })])
    // Two labels and a softmax: 1 - P(SAFE) is P(TOXIC).
    expect(inverted[0]?.score).toBeCloseTo(plain[0]?.score ?? -1, 5)
  })

  it('refuses to start when a model label is not mapped, or a mapped label does not exist', async () => {
    await expect(build({ labels: { TOXIC: { category: 'hate' } } })).rejects.toThrow(
      /labels gives none for \["SAFE"\]/,
    )
    await expect(build({ labels: { ...labels, INJECTION: { category: 'x' } } })).rejects.toThrow(
      /the model has no \["INJECTION"\]/,
    )
  })

  it('resolves a relative dir against the config folder, and names a folder with no model', async () => {
    const classifier = await build({ dir: 'tiny-text-classifier', labels }, dirname(MODEL_DIR))
    expect(classifier.id).toBe('tiny')
    await expect(build({ dir: 'no-such-model', labels })).rejects.toThrow(
      /cannot load the model in .*no-such-model/,
    )
  })

  it('judges a megabyte by a bounded number of windows, pointing at the worst one', async () => {
    const classifier = await build({ labels, min_score: 0, window_chars: 500, max_windows: 4 })
    const filler = 'the weather report for tuesday mentions light rain in the afternoon. '
    const text = `${filler.repeat(8)}${TOXIC} ${filler.repeat(15_000)}\u0000\uffff\ud800`
    const started = performance.now()
    const findings = await judge(classifier, text)
    expect(performance.now() - started).toBeLessThan(3_000)
    const span = findings[0]?.span
    expect(span).toBeDefined()
    expect(text.slice(span?.start, span?.end)).toContain('worthless')
  })

  it('stops when its signal is aborted', async () => {
    const classifier = await build({ labels })
    const controller = new AbortController()
    controller.abort(new Error('client went away'))
    await expect(judge(classifier, TOXIC, controller.signal)).rejects.toThrow(/client went away/)
  })
})

describe('windowsOf', () => {
  it('cuts a text into windows, keeping the first and last halves past the limit', () => {
    expect(windowsOf('abcdefghij', 4, 10)).toEqual([
      { start: 0, end: 4 },
      { start: 4, end: 8 },
      { start: 8, end: 10 },
    ])
    expect(windowsOf('a'.repeat(100), 10, 3)).toEqual([
      { start: 0, end: 10 },
      { start: 10, end: 20 },
      { start: 90, end: 100 },
    ])
    expect(windowsOf('', 10, 3)).toEqual([])
  })

  it('never splits a surrogate pair', () => {
    const text = 'abc\u{1F600}def'
    const windows = windowsOf(text, 4, 10)
    expect(windows[0]).toEqual({ start: 0, end: 3 })
    expect(windows.map((w) => text.slice(w.start, w.end)).join('')).toBe(text)
  })
})
