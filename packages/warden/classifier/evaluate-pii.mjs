// Measures the PII and secrets classifiers on the written cases of this folder, span by span.
//
//   npm run build && node packages/warden/classifier/evaluate-pii.mjs [--split holdout|tune|all]
//
// The default is the holdout split: cases written before the classifiers and never tuned on.
// A found span counts as right when it overlaps a labeled span of the same type; a labeled span
// is recalled when a found span of its type overlaps it. The false-positive rate of a type is
// the share of texts with no span of that type where it was found anyway.
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { piiClassifierKind } from '../dist/moderation/pii-classifier.js'
import { secretsClassifierKind } from '../dist/moderation/secrets-classifier.js'

const { values } = parseArgs({
  options: { split: { type: 'string', default: 'holdout' }, verbose: { type: 'boolean' } },
})
const split = values.split
const here = new URL('.', import.meta.url)
const load = (name) =>
  readFileSync(new URL(name, here), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .filter((c) => split === 'all' || c.split === split)

const signal = new AbortController().signal
const overlaps = (a, b) => a.start < b.end && b.start < a.end

async function measure(title, classifier, cases) {
  const types = new Map()
  const row = (type) => {
    if (!types.has(type)) types.set(type, { tp: 0, fp: 0, found: 0, labeled: 0, fpTexts: 0 })
    return types.get(type)
  }
  const misses = []
  for (const c of cases) {
    const findings = await classifier.classify({ text: c.text, direction: 'input', signal })
    const got = findings.map((f) => ({ ...f.span, type: f.label }))
    for (const s of c.spans) row(s.type)
    for (const g of got) row(g.type)
    for (const [type, r] of types) {
      const labeled = c.spans.filter((s) => s.type === type)
      const found = got.filter((g) => g.type === type)
      r.labeled += labeled.length
      r.found += labeled.filter((s) => found.some((g) => overlaps(g, s))).length
      for (const g of found) {
        if (labeled.some((s) => overlaps(g, s))) r.tp++
        else {
          r.fp++
          misses.push(`  false ${type}: ${JSON.stringify(c.text.slice(g.start, g.end))}`)
        }
      }
      if (labeled.length === 0 && found.length > 0) r.fpTexts++
      for (const s of labeled)
        if (!found.some((g) => overlaps(g, s)))
          misses.push(
            `  missed ${type}: ${JSON.stringify(c.text.slice(s.start, s.end))} in ${JSON.stringify(c.text.slice(0, 80))}`,
          )
    }
  }
  const negatives = (type) => cases.filter((c) => !c.spans.some((s) => s.type === type)).length
  const f = (x) => (Number.isNaN(x) ? '   -' : x.toFixed(2))
  console.log(`\n${title} — ${split} split, ${cases.length} texts`)
  console.log('type                  labeled  precision  recall  fp-rate')
  for (const [type, r] of [...types].sort()) {
    const precision = r.tp / (r.tp + r.fp)
    const recall = r.found / r.labeled
    const fpRate = r.fpTexts / negatives(type)
    console.log(
      `${type.padEnd(22)}${String(r.labeled).padStart(7)}  ${f(precision).padStart(9)}  ${f(recall).padStart(6)}  ${f(fpRate).padStart(7)}`,
    )
  }
  if (values.verbose) console.log(misses.join('\n'))
}

const deps = { baseDir: process.cwd() }
await measure(
  'PII',
  await piiClassifierKind.create('pii', piiClassifierKind.options.parse({}), deps),
  load('pii-cases.jsonl'),
)
await measure(
  'Secrets',
  await secretsClassifierKind.create('secrets', secretsClassifierKind.options.parse({}), deps),
  load('secret-cases.jsonl'),
)
