// The content filter's own cost: each local classifier of the default install, and all of them
// together as the gateway runs them (one classifier set), on a short prompt, a 1 KB one and a
// 16 KB one. Run after `npm run build`: node packages/warden/bench/content-filter-bench.mjs
//
// Every call gets a text of its own (the same prose under another ticket number), as a gateway's
// requests do: a memo of the last text would otherwise answer every call after the first, and
// the figures would leave out the work each request pays for.
import { classifierKinds, createClassifierSet } from '../dist/moderation/index.js'
import { prose } from './measure.mjs'

const LOCAL = ['text-harm', 'pii', 'secrets', 'injection', 'profiling', 'profanity', 'spam']
const deps = { baseDir: process.cwd(), env: {} }
const signal = new AbortController().signal

/**
 * CPU µs per call: the median of five rounds, each timed by the process's CPU time rather than
 * the clock, so that other work on a shared machine weighs less on the figure.
 */
async function time(run, variants, iterations) {
  for (let i = 0; i < Math.min(1000, iterations); i++) await run(variants[i % variants.length])
  const rounds = []
  const perRound = Math.ceil(iterations / 5)
  for (let r = 0; r < 5; r++) {
    const started = process.cpuUsage()
    for (let i = 0; i < perRound; i++) await run(variants[i % variants.length])
    const used = process.cpuUsage(started)
    rounds.push((used.user + used.system) / perRound)
  }
  return rounds.sort((a, b) => a - b)[2]
}

/** `count` texts of `chars` characters each, alike but for a ticket number. */
function variantsOf(make, chars, count = 64) {
  return Array.from({ length: count }, (_, i) => make(i).slice(0, chars))
}

const texts = [
  ['short', variantsOf((i) => `Say hello ${i}`, 12), 5000],
  ['1 KB', variantsOf((i) => `Ticket ${1000 + i}: ${prose(1024)}`, 1024), 2000],
  ['16 KB', variantsOf((i) => `Ticket ${1000 + i}: ${prose(16 * 1024)}`, 16 * 1024), 200],
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
process.stdout.write(`CPU µs per call (median of 5 rounds)\n${'classifier'.padEnd(12)}`)
for (const [name] of texts) process.stdout.write(name.padStart(10))
process.stdout.write('\n')
for (const [id, classifier] of classifiers) {
  process.stdout.write(id.padEnd(12))
  for (const [, variants, n] of texts) {
    const us = await time(
      (text) => classifier.classify({ text, direction: 'input', signal }),
      variants,
      n,
    )
    process.stdout.write(us.toFixed(1).padStart(10))
  }
  process.stdout.write('\n')
}
process.stdout.write('all, as a set'.padEnd(12))
for (const [, variants, n] of texts) {
  const us = await time((text) => set.classify(text, 'input', signal), variants, n)
  process.stdout.write(us.toFixed(1).padStart(10))
}
process.stdout.write('\n')
