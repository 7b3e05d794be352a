// Measures one model-backed classifier (openai-moderation, llama-guard, webhook or onnx) on the
// written cases in remote-classifier-cases.jsonl: precision, recall and false-positive rate per
// category, and for "any category" (flagged at all vs. harmful at all).
//
//   npm run build && node packages/warden/classifier/remote-classifiers.mjs \
//     [--config classifier.yaml] [--cases FILE.jsonl] [--threshold 0.5] [--concurrency 4]
//
// --config is one classifier entry as YAML or JSON: `{ id, kind, ...options }`, secrets as
// `env:NAME` (read from this process's environment). Without it, the tiny test model of
// shared/data/models/tiny-text-classifier is measured, which checks the path end to end and
// says nothing of quality (its README: random-ish weights, four epochs).
//
// A case is {"text", "direction", "categories": [...], "unsure": [...]}: a finding in an
// `unsure` category counts neither way. Nothing was tuned on these cases; they are all held out.
import { readFileSync, existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { parse as parseYaml } from 'yaml'
import { bindSecrets } from '../dist/config/index.js'
import { llamaGuardClassifierKind } from '../dist/moderation/llama-guard-classifier.js'
import { onnxClassifierKind } from '../dist/moderation/onnx-classifier.js'
import { openAiModerationClassifierKind } from '../dist/moderation/openai-moderation-classifier.js'
import { webhookClassifierKind } from '../dist/moderation/webhook-classifier.js'

const here = dirname(fileURLToPath(import.meta.url))
const KINDS = Object.fromEntries(
  [
    openAiModerationClassifierKind,
    llamaGuardClassifierKind,
    webhookClassifierKind,
    onnxClassifierKind,
  ].map((k) => [k.kind, k]),
)
const TINY_MODEL = resolve(here, '../../../../shared/data/models/tiny-text-classifier')

const { values } = parseArgs({
  options: {
    config: { type: 'string' },
    cases: { type: 'string', default: resolve(here, 'remote-classifier-cases.jsonl') },
    threshold: { type: 'string', default: '0.5' },
    concurrency: { type: 'string', default: '4' },
    'timeout-ms': { type: 'string', default: '30000' },
  },
})
const threshold = Number(values.threshold)

let entry
let baseDir = process.cwd()
if (values.config) {
  entry = parseYaml(readFileSync(values.config, 'utf8'))
  baseDir = dirname(resolve(values.config))
} else if (existsSync(TINY_MODEL)) {
  entry = {
    id: 'tiny-onnx',
    kind: 'onnx',
    dir: TINY_MODEL,
    labels: { SAFE: {}, TOXIC: { category: 'hate' } },
    min_score: 0,
  }
  console.log('No --config: measuring the tiny test model (a path check, not a quality claim).')
} else {
  console.error(
    'remote-classifiers: give --config FILE (the tiny test model is not beside the checkout)',
  )
  process.exit(1)
}

const { id, kind: kindName, ...raw } = entry
const kind = KINDS[kindName]
if (!kind) {
  console.error(
    `remote-classifiers: unknown kind ${kindName}; one of ${Object.keys(KINDS).join(', ')}`,
  )
  process.exit(1)
}
const options = kind.options.parse(raw)
bindSecrets(options, { env: process.env, baseDir }, `classifier.${id}`)
const classifier = await kind.create(id ?? kindName, options, { baseDir })

const cases = readFileSync(values.cases, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line))

const started = performance.now()
const results = new Array(cases.length)
let next = 0
async function worker() {
  while (next < cases.length) {
    const index = next++
    const c = cases[index]
    try {
      const findings = await classifier.classify({
        text: c.text,
        direction: c.direction ?? 'input',
        signal: AbortSignal.timeout(Number(values['timeout-ms'])),
      })
      results[index] = new Set(findings.filter((f) => f.score >= threshold).map((f) => f.category))
    } catch (error) {
      results[index] = error
    }
  }
}
await Promise.all(Array.from({ length: Number(values.concurrency) }, worker))
const seconds = (performance.now() - started) / 1000

const failed = results.filter((r) => r instanceof Error)
const judged = cases
  .map((c, i) => ({ c, flagged: results[i] }))
  .filter((x) => !(x.flagged instanceof Error))
const emitted = new Set(judged.flatMap((x) => [...x.flagged]))
const labelled = new Set(cases.flatMap((c) => c.categories))
const categories = [...new Set([...labelled, ...emitted])].sort()

const pct = (n, d) => (d === 0 ? '   –  ' : `${((100 * n) / d).toFixed(1).padStart(5)}%`)
const row = (name, tp, fn, fp, tn) =>
  `${name.padEnd(16)} ${String(tp + fn).padStart(4)} ${String(tp).padStart(4)} ${String(fp).padStart(4)}   ${pct(tp, tp + fp)}  ${pct(tp, tp + fn)}  ${pct(fp, fp + tn)}`

console.log(
  `${classifier.id} (kind ${kindName}) on ${values.cases}: ${cases.length} cases, threshold ${threshold}, ${seconds.toFixed(1)} s`,
)
console.log('category         pos   TP   FP   precision  recall     FPR')
for (const category of categories) {
  let tp = 0
  let fn = 0
  let fp = 0
  let tn = 0
  for (const { c, flagged } of judged) {
    if ((c.unsure ?? []).includes(category)) continue
    const positive = c.categories.includes(category)
    const hit = flagged.has(category)
    if (positive && hit) tp++
    else if (positive) fn++
    else if (hit) fp++
    else tn++
  }
  console.log(row(category, tp, fn, fp, tn))
}
let tp = 0
let fn = 0
let fp = 0
let tn = 0
for (const { c, flagged } of judged) {
  const positive = c.categories.length > 0
  const hit = flagged.size > 0
  if (positive && hit) tp++
  else if (positive) fn++
  else if (hit) fp++
  else tn++
}
console.log(row('(any category)', tp, fn, fp, tn))
if (failed.length > 0) {
  console.log(`${failed.length} case(s) failed: ${failed[0].message}`)
  process.exitCode = 1
}
