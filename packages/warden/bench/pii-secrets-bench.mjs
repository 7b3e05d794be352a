// Times the PII and secrets classifiers on one core: a 16 KB mixed prompt (prose, code, a few
// addresses, numbers and keys; the budget for all local classifiers together is 2 ms) and a
// 1 MB one.
//
//   npm run build && node packages/warden/bench/pii-secrets-bench.mjs [--runs N]
import { parseArgs } from 'node:util'
import { createPiiClassifier } from '../dist/moderation/pii-classifier.js'
import { createSecretsClassifier } from '../dist/moderation/secrets-classifier.js'

const { values } = parseArgs({ options: { runs: { type: 'string', default: '500' } } })
const runs = Number(values.runs)

const pieces = [
  'Please summarise the quarterly report and list the three largest cost increases. ',
  'The function should return an empty array when the input list is null or undefined.\n',
  'Our customers in Lisbon asked whether the delivery fee applies to orders above 50 euros. ',
  'const total = items.reduce((sum, item) => sum + item.price * item.quantity, 0)\n',
  'Meeting moved to 2024-03-15 at 14:30, room 4-201; see ticket JIRA-10442 and v2.3.1. ',
  'Contact ana.lima@correio.com.br or call +44 20 7946 0958 about invoice INV-2024-000123. ',
  'Refund to card 4539 1488 0343 6467 or IBAN DE89 3704 0044 0532 0130 00 please. ',
  'export OPENAI_API_KEY=sk-proj-q8ZtR2vLm4XcW9nBa7KdYp3HsJf6GuEo1TiVr5NxQy0OwPlMkZbCeDgAhFjSu\n',
  'The server 10.20.30.40 answered in 120 ms; commit 9fceb02d0ae598e95dc970b74767f19372d61af8. ',
]
function textOf(chars) {
  let text = ''
  for (let i = 0; text.length < chars; i++) text += pieces[i % pieces.length]
  return text.slice(0, chars)
}

const signal = new AbortController().signal
async function time(classifier, text, n) {
  const call = () => classifier.classify({ text, direction: 'input', signal })
  for (let i = 0; i < Math.min(50, n); i++) await call()
  const times = []
  const cpu = process.cpuUsage()
  for (let i = 0; i < n; i++) {
    const started = performance.now()
    await call()
    times.push(performance.now() - started)
  }
  const { user, system } = process.cpuUsage(cpu)
  times.sort((a, b) => a - b)
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(3)
  return `median ${at(0.5)} ms, p95 ${at(0.95)} ms, cpu ${((user + system) / 1000 / n).toFixed(3)} ms/call`
}

const classifiers = { pii: createPiiClassifier('pii'), secrets: createSecretsClassifier('secrets') }
const prompt = textOf(16 * 1024)
const big = textOf(1024 * 1024)
for (const [name, classifier] of Object.entries(classifiers)) {
  const found = (await classifier.classify({ text: prompt, direction: 'input', signal })).length
  console.log(`${name} 16 KB (${found} findings): ${await time(classifier, prompt, runs)}`)
  console.log(`${name} 1 MB: ${await time(classifier, big, 5)}`)
}
