// Measures the local pre-screen (no network) on the labeled applications beside this script.
//
//   npm run build && node packages/warden/prescreen/evaluate.mjs [--policy FILE] [--set FILE]
//       [--no-learned] [--quiet]
//
// --policy: a usage policy YAML (default: the package's policies/default.yaml).
// --set: a labeled set, one JSON object a line (default: applications.jsonl beside this script).
// --no-learned: the phrase layer alone, without the learned model (policies/prescreen-weights.json).
// --quiet: figures only, without the examples it got wrong.
// Prints, for the whole set and for each split (tuning, holdout): precision and recall per
// outcome, the confusion matrix, clause accuracy, and every example it got wrong.
//
// Clause accuracy: "found" is the share of examples whose labeled clauses all appear among the
// clauses the pre-screen reports; "exact" is the share whose deciding clauses (those of the
// section the outcome comes from: prohibited or high-scrutiny; none for low risk) are exactly the
// labeled ones.
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import {
  evaluatePrescreen,
  loadPolicyFile,
  parseLabeledApplications,
  PRESCREEN_OUTCOMES,
} from '../dist/policy/index.js'

const { values } = parseArgs({
  options: {
    policy: { type: 'string' },
    set: { type: 'string', default: new URL('applications.jsonl', import.meta.url).pathname },
    'no-learned': { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
})

const { document } = await loadPolicyFile(values.policy ?? null)
const examples = parseLabeledApplications(readFileSync(values.set, 'utf8'))

const figure = (n) => (Number.isNaN(n) ? ' n/a' : n.toFixed(2))
const pad = (text, width) => String(text).padEnd(width)

function report(title, subset) {
  if (subset.length === 0) return
  const e = evaluatePrescreen(subset, document, values['no-learned'] ? { learned: null } : {})
  const lines = [`== ${title}: ${e.examples} examples`, '']
  lines.push(`${pad('outcome', 15)}${pad('precision', 11)}${pad('recall', 8)}expected  predicted`)
  for (const outcome of PRESCREEN_OUTCOMES) {
    const s = e.outcomes[outcome]
    lines.push(
      `${pad(outcome, 15)}${pad(figure(s.precision), 11)}${pad(figure(s.recall), 8)}` +
        `${pad(s.expected, 10)}${s.predicted}`,
    )
  }
  lines.push('', `confusion (rows: label, columns: pre-screen)`)
  lines.push(pad('', 15) + PRESCREEN_OUTCOMES.map((o) => pad(o, 15)).join(''))
  for (const expected of PRESCREEN_OUTCOMES) {
    const row = PRESCREEN_OUTCOMES.map((got) => pad(e.confusion[expected][got], 15)).join('')
    lines.push(pad(expected, 15) + row)
  }
  lines.push(
    '',
    `prohibited examples sent to a person (prohibited or high scrutiny): ${figure(e.prohibitedReviewed)}`,
    `clauses found (labeled clauses all reported): ${figure(e.clausesFound)}`,
    `clauses exact (deciding clauses equal the label): ${figure(e.clausesExact)}`,
  )
  if (e.misses.length > 0 && !values.quiet) {
    lines.push('', 'misses:')
    for (const m of e.misses) {
      const text = m.description.length > 90 ? `${m.description.slice(0, 87)}...` : m.description
      lines.push(`  line ${m.line}: ${m.expected} -> ${m.got}  "${text}"`)
      lines.push(`    label [${m.expectedClauses.join(', ')}]  got [${m.gotClauses.join(', ')}]`)
    }
  }
  console.log(lines.join('\n') + '\n')
}

report('all', examples)
report(
  'tuning',
  examples.filter((x) => x.split === 'tuning'),
)
report(
  'holdout',
  examples.filter((x) => x.split === 'holdout'),
)
