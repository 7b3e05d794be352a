// Trains the pre-screen's learned layer on the `tuning` split of the labeled set and writes
// its weights beside the default policy, where `warden app prescreen` and the review read them.
//
//   npm run build && node packages/warden/prescreen/train.mjs [--set FILE] [--out FILE] [--data DIR]
//
// The `holdout` split is never read for training, so figures on it stay honest. Besides the
// applications, it reads everyday benign requests from the public sets in --data (default
// ../shared/data/moderation beside the checkout: clinc150's train split, the even lines of
// self-instruct and every fifth gpteacher-codegen instruction; credited in README.md beside
// this script) as examples of no prohibited use, so that ordinary words (an account, a send, a
// number) do not read as harm. The rest of those sets is what the false-positive probe uses.
// Training is deterministic: the same data gives the same weights.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import {
  DEFAULT_LEARNED_MODEL_FILE,
  loadPolicyFile,
  parseLabeledApplications,
  trainLearnedModel,
} from '../dist/policy/index.js'

const { values } = parseArgs({
  options: {
    set: { type: 'string', default: new URL('applications.jsonl', import.meta.url).pathname },
    out: { type: 'string', default: DEFAULT_LEARNED_MODEL_FILE.pathname },
    data: {
      type: 'string',
      default: path.resolve(
        new URL('.', import.meta.url).pathname,
        '../../../../shared/data/moderation',
      ),
    },
  },
})

const { document } = await loadPolicyFile(null)
const classes = document.prohibited.map((p) => `prohibited.${p.id}`)
const examples = parseLabeledApplications(readFileSync(values.set, 'utf8'))
  .filter((e) => e.split === 'tuning')
  .map((e) => ({
    app: e.application,
    clauses: e.outcome === 'prohibited' ? e.clauses.filter((id) => classes.includes(id)) : [],
  }))

/** Everyday requests from the public sets, every `step`-th of each, as examples of no harm. */
function benign(dir, step) {
  if (!existsSync(dir)) throw new Error(`no public data at ${dir} (--data DIR)`)
  const texts = []
  const clinc = JSON.parse(readFileSync(path.join(dir, 'clinc150/data_full.json'), 'utf8'))
  clinc.train.forEach(([text], i) => i % step === 0 && texts.push(text))
  readFileSync(path.join(dir, 'self-instruct/user_oriented_instructions.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .forEach((line, i) => i % 2 === 0 && texts.push(JSON.parse(line).instruction))
  JSON.parse(
    readFileSync(path.join(dir, 'gpteacher-codegen/codegen-instruct.json'), 'utf8'),
  ).forEach((c, i) => i % 5 === 0 && texts.push(c.instruction))
  return texts.map((description) => ({ app: { description }, clauses: [], calibrate: false }))
}

// Applications and everyday requests interleaved, so neither comes in one block to the
// stochastic gradient.
const everyday = benign(values.data, 10)
const mixed = []
for (let i = 0; i < Math.max(examples.length, everyday.length); i += 1) {
  if (i < examples.length) mixed.push(examples[i])
  if (i < everyday.length) mixed.push(everyday[i])
}

const OPTIONS = {
  classes,
  epochs: 80,
  learningRate: 1,
  l2: 1e-5,
  minExamples: 2,
  // The goal's precision, out of fold, for the model alone; the phrases add few false alarms.
  targetPrecision: 0.9,
  folds: 5,
}

const model = trainLearnedModel(mixed, OPTIONS)
writeFileSync(values.out, JSON.stringify(model) + '\n')
console.log(
  `trained on ${examples.length} applications (${model.trainedOn.prohibited} prohibited) ` +
    `and ${everyday.length} everyday requests; ` +
    `${model.vocabulary.length} features; threshold ${model.threshold}; ` +
    `out of fold: ${JSON.stringify(model.trainedOn.out_of_fold)} -> ${values.out}`,
)
