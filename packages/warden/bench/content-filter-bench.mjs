// The content filter's own cost: each local classifier of the default install, and all of them
// together as the gateway runs them (one classifier set), on a short prompt, a 1 KB one and a
// 16 KB one. Run after `npm run build`:
//
//   node packages/warden/bench/content-filter-bench.mjs [--baseline DIR]
//
// Every call gets a text of its own (the same prose under another ticket number), as a gateway's
// requests do: a memo of the last text would otherwise answer every call after the first, and
// the figures would leave out the work each request pays for. With --baseline (the root of
// another checkout, built) the classifiers built there are timed in the same rounds, taking
// turns with this checkout's, and each cell reads "baseline -> this": on a shared machine a
// change is told from the machine's drift only side by side.
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { prose } from './measure.mjs'

const { values: flags } = parseArgs({ options: { baseline: { type: 'string' } } })

const LOCAL = ['text-harm', 'pii', 'secrets', 'injection', 'profiling', 'profanity', 'spam']
const deps = { baseDir: process.cwd(), env: {} }
const signal = new AbortController().signal
const ROUNDS = 5

/** Every local classifier, and the set of all of them, from one build's `dist/`. */
async function buildFrom(distDir) {
  const { classifierKinds, createClassifierSet } = await import(
    pathToFileURL(path.join(distDir, 'moderation/index.js')).href
  )
  const runs = new Map()
  for (const id of LOCAL) {
    const kind = classifierKinds[id]
    const classifier = await kind.create(id, kind.options.parse({}), deps)
    runs.set(id, (text) => classifier.classify({ text, direction: 'input', signal }))
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
  runs.set('set', (text) => set.classify(text, 'input', signal))
  return runs
}

/** CPU µs per call of `run` over `calls` calls, by the process's CPU time, not the clock. */
async function cpuPerCall(run, variants, calls) {
  const started = process.cpuUsage()
  for (let i = 0; i < calls; i++) await run(variants[i % variants.length])
  const used = process.cpuUsage(started)
  return (used.user + used.system) / calls
}

/**
 * CPU µs per call of each run, after half a second of warm-up each: the median of five rounds,
 * the runs taking turns within a round (and changing places each round), so that other work on
 * a shared machine weighs alike on all of them.
 */
async function time(runs, variants, iterations) {
  for (const run of runs) {
    // Warm-up by time, not by count: a short text needs thousands of calls before V8 has
    // optimised the classifier, a 16 KB one a few dozen.
    const warmUntil = performance.now() + 500
    for (let i = 0; performance.now() < warmUntil; i++) await run(variants[i % variants.length])
  }
  const perRound = Math.ceil(iterations / ROUNDS)
  const figures = runs.map(() => [])
  for (let round = 0; round < ROUNDS; round++) {
    const order = runs.map((_, i) => i)
    if (round % 2 === 1) order.reverse()
    for (const i of order) figures[i].push(await cpuPerCall(runs[i], variants, perRound))
  }
  return figures.map((list) => list.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)])
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
const ownDist = fileURLToPath(new URL('../dist', import.meta.url))
const builds = [await buildFrom(ownDist)]
if (flags.baseline) {
  builds.unshift(await buildFrom(path.resolve(flags.baseline, 'packages/warden/dist')))
}
const width = flags.baseline ? 18 : 10
const cell = (figures) => figures.map((us) => us.toFixed(1)).join(' -> ')

process.stdout.write(
  `CPU µs per call (median of ${ROUNDS} rounds${flags.baseline ? '; baseline -> this checkout' : ''})\n`,
)
process.stdout.write('classifier'.padEnd(14))
for (const [name] of texts) process.stdout.write(name.padStart(width))
process.stdout.write('\n')
for (const id of [...LOCAL, 'set']) {
  process.stdout.write((id === 'set' ? 'all, as a set' : id).padEnd(14))
  for (const [, variants, n] of texts) {
    const figures = await time(
      builds.map((runs) => runs.get(id)),
      variants,
      n,
    )
    process.stdout.write(cell(figures).padStart(width))
  }
  process.stdout.write('\n')
}
