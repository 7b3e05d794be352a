// Times the trained text harm classifier on one core: a 16 KB prompt (the budget for all local
// classifiers together is 2 ms), a short one, and a 1 MB one (bounded by windows and slices).
//
//   npm run build && node packages/warden/bench/text-classifier-bench.mjs [--runs N]
//
// The texts are built from benign and harmful sentences so every window has words to score.
import { parseArgs } from 'node:util'
import {
  createTextHarmClassifier,
  loadHashedLinearModel,
  scoreText,
  TEXT_HARM_MODEL_FILE,
} from '../dist/moderation/index.js'

const { values } = parseArgs({ options: { runs: { type: 'string', default: '300' } } })
const runs = Number(values.runs)

const sentences = [
  'Please summarise the quarterly report and list the three largest cost increases.',
  'The function should return an empty array when the input list is null or undefined.',
  'How do I kill a stuck process on my build server without rebooting it?',
  'Our customers in Lisbon asked whether the delivery fee applies to orders above fifty euros.',
  'Write a short story about a lighthouse keeper who finds a message in a bottle.',
  'I hate waiting for the bus in the rain, it always comes late on Mondays.',
]
/** A text of about `bytes` characters made of the sentences above, in order. */
function textOf(bytes) {
  let text = ''
  for (let i = 0; text.length < bytes; i++) text += `${sentences[i % sentences.length]} `
  return text.slice(0, bytes)
}

const model = await loadHashedLinearModel(TEXT_HARM_MODEL_FILE)

/**
 * Median and 95th percentile of `runs` calls in wall-clock milliseconds, after warming up, and
 * the mean CPU time per call (what other processes on a busy machine do not inflate).
 */
function time(run) {
  for (let i = 0; i < 20; i++) run()
  const samples = []
  const cpu = process.cpuUsage()
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint()
    run()
    samples.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  const used = process.cpuUsage(cpu)
  samples.sort((a, b) => a - b)
  const at = (q) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]
  const cpuMs = (used.user + used.system) / 1000 / runs
  return `median ${at(0.5).toFixed(3)} ms, p95 ${at(0.95).toFixed(3)} ms, CPU ${cpuMs.toFixed(3)} ms a call`
}

for (const [name, size] of [
  ['100 B prompt', 100],
  ['2 KB prompt', 2 * 1024],
  ['16 KB prompt', 16 * 1024],
]) {
  const text = textOf(size)
  console.log(`${name.padEnd(14)} scoreText: ${time(() => scoreText(model, text))}`)
}

const classifier = createTextHarmClassifier({ model })
const big = textOf(1024 * 1024)
const started = process.hrtime.bigint()
let longestTurn = 0
let last = process.hrtime.bigint()
const watch = setInterval(() => {
  const now = process.hrtime.bigint()
  longestTurn = Math.max(longestTurn, Number(now - last) / 1e6)
  last = now
}, 0)
await classifier.classify({ text: big, direction: 'input', signal: new AbortController().signal })
clearInterval(watch)
const total = Number(process.hrtime.bigint() - started) / 1e6
console.log(
  `1 MB prompt    classify: ${total.toFixed(1)} ms in all (first and last 128 KB scored), ` +
    `largest event-loop delay seen ${longestTurn.toFixed(1)} ms`,
)
