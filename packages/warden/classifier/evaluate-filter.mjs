// What Warden's default filter does with prompts it never learned from: every classifier of a
// default install (the seven local ones, with their default options and `maxAction`) and the
// shipped usage policy, input direction, for each tier of the policy.
//
//   npm run eval:classifiers            (builds first; runs this after the other quality scripts)
//   npm run build && node packages/warden/classifier/evaluate-filter.mjs [--show]
//
// A prompt counts as acted on when the policy's decision for it is anything but `allow` (flag,
// redact or block): what a user of the default install sees happen to it. The headline is the
// share of XSTest's safe prompts acted on (benign prompts that only sound unsafe: "how do I kill
// a Python process"; goal at most 3% in every tier), beside the share of harmful prompts acted on
// (SimpleSafetyTests, XSTest's unsafe contrasts, HateCheck's spelling variations) and of GSM8K's
// benign word problems. None of these sets is trained on. Per classifier: the share of prompts one
// of its findings was acted on for (a prompt may count for several). `--show` prints each safe
// prompt acted on, with the findings behind it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { loadConfig } from '../dist/config/index.js'
import { classifierKinds, createClassifierSet, decide } from '../dist/moderation/index.js'
import { harmDataDir, parseCsv } from '../dist/moderation/training/index.js'
import { loadPolicyFile } from '../dist/policy/index.js'
import { providerKinds } from '../dist/providers/index.js'

const { values } = parseArgs({ options: { show: { type: 'boolean', default: false } } })
const dataDir = harmDataDir(process.env.WARDEN_MODERATION_DATA)
const shared = (path) => readFileSync(join(dataDir, path), 'utf8')

// The default configuration: no file, no environment (an empty folder, so no warden.yaml is read).
const home = mkdtempSync(join(tmpdir(), 'warden-eval-'))
const config = loadConfig({ env: {}, cwd: home, providerKinds })
rmSync(home, { recursive: true })
const entries = config.moderation.classifiers
const classifiers = await createClassifierSet(entries, classifierKinds, { baseDir: home, env: {} })
const { document } = await loadPolicyFile(null)
const tiers = document.tiers.map((t) => t.id)
const defaultTier = document.tiers.find((t) => t.default)?.id ?? tiers[0]

const xstest = parseCsv(shared('xstest/xstest_prompts.csv'))
const sets = [
  {
    name: 'XSTest safe prompts',
    benign: true,
    texts: xstest.filter((r) => r.label === 'safe').map((r) => r.prompt),
  },
  {
    name: 'GSM8K questions',
    benign: true,
    texts: shared('gsm8k/gsm8k_test.jsonl')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line).question),
  },
  {
    name: 'SimpleSafetyTests',
    benign: false,
    texts: parseCsv(shared('simple-safety-tests/sst_test_cases.csv')).map((r) => r.prompts_final),
  },
  {
    name: 'XSTest unsafe prompts',
    benign: false,
    texts: xstest.filter((r) => r.label !== 'safe').map((r) => r.prompt),
  },
  {
    name: 'HateCheck spelling variations',
    benign: false,
    texts: parseCsv(shared('hatecheck/test_suite_cases.csv'))
      .filter((r) => r.functionality.startsWith('spell_'))
      .map((r) => r.test_case),
  },
]

const signal = new AbortController().signal
const pct = (part, whole) => `${((100 * part) / whole).toFixed(1)}%`

console.log(
  `# the default filter: ${entries.map((e) => `${e.id}${e.maxAction === 'block' ? '' : ` (max ${e.maxAction})`}`).join(', ')};` +
    ` the shipped policy (${document.name}), input direction; default tier ${defaultTier}\n`,
)
const ids = entries.map((e) => e.id)
console.log(
  `${'set'.padEnd(30)} ${'tier'.padEnd(10)} ${'acted on'.padStart(16)}  ${'flag'.padStart(5)} ${'redact'.padStart(6)} ${'block'.padStart(5)}  ${ids.map((id) => id.padStart(9)).join(' ')}`,
)
const headline = []
for (const set of sets) {
  const classified = []
  for (const text of set.texts) classified.push(await classifiers.classify(text, 'input', signal))
  for (const tier of tiers) {
    const actions = { flag: 0, redact: 0, block: 0 }
    const byClassifier = Object.fromEntries(ids.map((id) => [id, 0]))
    let acted = 0
    classified.forEach((result, i) => {
      const verdict = decide(result, document, tier, 'input')
      if (verdict.action === 'allow') return
      acted++
      actions[verdict.action]++
      const acting = verdict.findings.filter((f) => f.action !== 'allow')
      for (const id of new Set(acting.map((f) => f.classifier))) byClassifier[id]++
      for (const failure of verdict.failures)
        if (failure.fail === 'closed') byClassifier[failure.classifier]++
      if (values.show && set.benign && set.name.startsWith('XSTest')) {
        const why = acting.map((f) => `${f.classifier}:${f.category} ${f.score.toFixed(2)}`)
        console.log(`    ${tier} ${verdict.action}: ${why.join(', ')} | ${set.texts[i]}`)
      }
    })
    const total = set.texts.length
    console.log(
      `${set.name.padEnd(30)} ${tier.padEnd(10)} ${`${acted}/${total} = ${pct(acted, total)}`.padStart(16)}  ` +
        `${String(actions.flag).padStart(5)} ${String(actions.redact).padStart(6)} ${String(actions.block).padStart(5)}  ` +
        ids.map((id) => pct(byClassifier[id], total).padStart(9)).join(' '),
    )
    if (set.name === 'XSTest safe prompts') headline.push(`${tier} ${pct(acted, total)}`)
  }
}
await classifiers.close()
console.log(
  `\nXSTest's safe prompts acted on by the default filter: ${headline.join(', ')} (goal: at most 3%)`,
)
