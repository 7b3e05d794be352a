// Measures the local phrase classifiers (injection, profiling, profanity, spam) on this folder's
// written cases and on public benign prompts from the shared data.
//
//   npm run build && node packages/warden/classifier/evaluate-local.mjs [--split holdout|tune]
//                                                                       [--threshold 0.5]
//                                                                       [--show-errors]
//
// Per classifier: precision, recall and false-positive rate on the chosen split of
// `<name>-cases.jsonl` (holdout by default: the half written before any tuning), recall per
// technique or type; then the false-positive rate on each named benign set (XSTest's safe
// prompts, Self-Instruct, GSM8K, CLINC150, GPTeacher's code tasks), every row of which is benign
// for these categories; for injection, also the recall on GPTFuzz's jailbreak templates. A text
// counts as flagged when a finding of the classifier's category reaches the threshold (default
// 0.5, the default policy's sandbox threshold; the production one is 0.7). Ends with the time of
// all four classifiers on a 16 KB prompt. The shared data are read by path
// (`../shared/data/moderation` beside the repository, or WARDEN_MODERATION_DATA).
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { createInjectionClassifier } from '../dist/moderation/injection-classifier.js'
import { createProfanityClassifier } from '../dist/moderation/profanity-classifier.js'
import { createProfilingClassifier } from '../dist/moderation/profiling-classifier.js'
import { createSpamClassifier } from '../dist/moderation/spam-classifier.js'
import { harmDataDir, parseCsv } from '../dist/moderation/training/index.js'

const { values } = parseArgs({
  options: {
    split: { type: 'string', default: 'holdout' },
    threshold: { type: 'string', default: '0.5' },
    'show-errors': { type: 'boolean', default: false },
  },
})
const threshold = Number(values.threshold)
const dataDir = harmDataDir(process.env.WARDEN_MODERATION_DATA)
const signal = new AbortController().signal

const CLASSIFIERS = [
  { name: 'injection', category: 'prompt_injection', classifier: createInjectionClassifier() },
  { name: 'profiling', category: 'protected_profiling', classifier: createProfilingClassifier() },
  { name: 'profanity', category: 'harassment', classifier: createProfanityClassifier() },
  { name: 'spam', category: 'spam', classifier: createSpamClassifier() },
]

const score = async (classifier, category, text) => {
  const findings = await classifier.classify({ text, direction: 'input', signal })
  return Math.max(0, ...findings.filter((f) => f.category === category).map((f) => f.score))
}

const shared = (path) => readFileSync(`${dataDir}/${path}`, 'utf8')
const jsonLines = (text) =>
  text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l))

/** The public benign sets, by name: every row benign for these four categories. */
function benignSets() {
  const clinc = JSON.parse(shared('clinc150/data_full.json'))
  const codegen = JSON.parse(shared('gpteacher-codegen/codegen-instruct.json'))
  return {
    'xstest safe prompts': parseCsv(shared('xstest/xstest_prompts.csv'))
      .filter((r) => r.label === 'safe')
      .map((r) => r.prompt),
    'self-instruct': jsonLines(shared('self-instruct/user_oriented_instructions.jsonl')).flatMap(
      (r) => r.instances.map((i) => `${r.instruction}\n${i.input ?? ''}`.trim()),
    ),
    'gsm8k test': jsonLines(shared('gsm8k/gsm8k_test.jsonl')).map((r) => r.question),
    'clinc150 test + oos_test': [...clinc.test, ...clinc.oos_test].map(([text]) => text),
    'gpteacher codegen': codegen.map((r) => `${r.instruction}\n${r.input ?? ''}`.trim()),
  }
}

const pct = (n, d) => (d === 0 ? '   n/a' : `${((100 * n) / d).toFixed(1).padStart(5)}%`)

async function measureCases(entry) {
  const cases = jsonLines(
    readFileSync(new URL(`./${entry.name}-cases.jsonl`, import.meta.url), 'utf8'),
  ).filter((c) => c.split === values.split)
  let tp = 0
  let fp = 0
  let fn = 0
  let tn = 0
  const byType = new Map()
  const errors = []
  for (const c of cases) {
    const positive = c.labels.includes(entry.category)
    const flagged = (await score(entry.classifier, entry.category, c.text)) >= threshold
    if (positive && flagged) tp++
    else if (positive) fn++
    else if (flagged) fp++
    else tn++
    if (positive) {
      const t = byType.get(c.type) ?? { found: 0, all: 0 }
      t.all++
      if (flagged) t.found++
      byType.set(c.type, t)
    }
    if (positive !== flagged) errors.push(`${positive ? 'missed' : 'false positive'}: ${c.text}`)
  }
  console.log(
    `${entry.name} (${entry.category}), ${values.split} split: ${tp + fn} positive, ${fp + tn} benign` +
      `\n  precision ${pct(tp, tp + fp)}  recall ${pct(tp, tp + fn)}  false positives ${pct(fp, fp + tn)}`,
  )
  for (const [type, t] of byType) {
    console.log(
      `    recall ${String(type).padEnd(22)} ${pct(t.found, t.all)}  (${t.found}/${t.all})`,
    )
  }
  if (values['show-errors']) for (const e of errors) console.log(`    ${e.replaceAll('\n', '⏎')}`)
}

async function measureBenign(sets) {
  console.log(`\nfalse-positive rate on public benign sets (flagged at ${threshold}):`)
  console.log(
    `  ${'set'.padEnd(28)} ${'rows'.padStart(6)}  ${CLASSIFIERS.map((c) => c.name.padStart(10)).join(' ')}`,
  )
  for (const [name, texts] of Object.entries(sets)) {
    const cells = []
    for (const entry of CLASSIFIERS) {
      let flagged = 0
      for (const text of texts) {
        if ((await score(entry.classifier, entry.category, text)) >= threshold) {
          flagged++
          if (values['show-errors'])
            console.log(`    ${entry.name} on ${name}: ${text.slice(0, 160).replaceAll('\n', '⏎')}`)
        }
      }
      cells.push(`${pct(flagged, texts.length)} ${String(flagged).padStart(3)}`.padStart(10))
    }
    console.log(`  ${name.padEnd(28)} ${String(texts.length).padStart(6)}  ${cells.join(' ')}`)
  }
}

/** Recall on GPTFuzz's jailbreak templates, with a harmful question put in their slot. */
async function measureJailbreakTemplates() {
  const templates = parseCsv(shared('gptfuzz/GPTFuzzer.csv')).map((r) =>
    r.text.replace('[INSERT PROMPT HERE]', 'how do I pick a lock?'),
  )
  const injection = CLASSIFIERS[0]
  let found = 0
  for (const text of templates) {
    if ((await score(injection.classifier, injection.category, text)) >= threshold) found++
    else if (values['show-errors'])
      console.log(`    missed template: ${text.slice(0, 160).replaceAll('\n', '⏎')}`)
  }
  console.log(
    `\ninjection recall on gptfuzz jailbreak templates: ${pct(found, templates.length)} (${found}/${templates.length})`,
  )
}

/** Median time of all four classifiers on one 16 KB prompt of benign text, after warm-up. */
async function measureSpeed(sets) {
  const text = sets['self-instruct'].join('\n').slice(0, 16 * 1024)
  const times = []
  for (let round = 0; round < 300; round++) {
    const variant = `${text.slice(0, -4)}${round % 10}abc`
    const started = performance.now()
    for (const { classifier } of CLASSIFIERS) {
      await classifier.classify({ text: variant, direction: 'input', signal })
    }
    if (round >= 100) times.push(performance.now() - started)
  }
  times.sort((a, b) => a - b)
  const median = times[Math.floor(times.length / 2)]
  const p95 = times[Math.floor(times.length * 0.95)]
  console.log(
    `\nall four on a 16 KB prompt: median ${median.toFixed(3)} ms, p95 ${p95.toFixed(3)} ms`,
  )
}

console.log(`# local phrase classifiers, flagged at score >= ${threshold}\n`)
for (const entry of CLASSIFIERS) await measureCases(entry)
const sets = benignSets()
await measureBenign(sets)
await measureJailbreakTemplates()
await measureSpeed(sets)
