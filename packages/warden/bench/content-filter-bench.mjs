// The content filter's own cost: each local classifier of the default install, and all of them
// together as the gateway runs them (one classifier set), on a short prompt, a 1 KB one and a
// 16 KB one. Run after `npm run build`: node packages/warden/bench/content-filter-bench.mjs
import { performance } from 'node:perf_hooks'
import { classifierKinds, createClassifierSet } from '../dist/moderation/index.js'
import { prose } from './measure.mjs'

const LOCAL = ['text-harm', 'pii', 'secrets', 'injection', 'profiling', 'profanity', 'spam']
const deps = { baseDir: process.cwd(), env: {} }
const signal = new AbortController().signal

async function time(run, iterations) {
  for (let i = 0; i < Math.min(200, iterations); i++) await run()
  const started = performance.now()
  for (let i = 0; i < iterations; i++) await run()
  return ((performance.now() - started) / iterations) * 1000
}

const texts = [
  ['short', 'Say hello', 5000],
  ['1 KB', prose(1024), 2000],
  ['16 KB', prose(16 * 1024), 200],
]
const classifiers = []
for (const id of LOCAL) {
  const kind = classifierKinds[id]
  classifiers.push([id, await kind.create(id, kind.options.parse({}), deps)])
}
const set = await createClassifierSet(
  LOCAL.map((id) => ({
    id,
    kind: id,
    options: {},
    directions: ['input', 'output'],
    timeoutMs: 10_000,
    fail: 'open',
    maxAction: 'block',
  })),
  classifierKinds,
  deps,
)
process.stdout.write(`µs per call (one core)\n${'classifier'.padEnd(12)}`)
for (const [name] of texts) process.stdout.write(name.padStart(10))
process.stdout.write('\n')
for (const [id, classifier] of classifiers) {
  process.stdout.write(id.padEnd(12))
  for (const [, text, n] of texts) {
    const us = await time(() => classifier.classify({ text, direction: 'input', signal }), n)
    process.stdout.write(us.toFixed(1).padStart(10))
  }
  process.stdout.write('\n')
}
process.stdout.write('all, as a set'.padEnd(12))
for (const [, text, n] of texts) {
  const us = await time(() => set.classify(text, 'input', signal), n)
  process.stdout.write(us.toFixed(1).padStart(10))
}
process.stdout.write('\n')
