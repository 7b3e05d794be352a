// Trains the text harm classifier and writes its weights beside this script.
//
//   npm run train:classifier            (builds first; same as the line below)
//   npm run build && node packages/warden/classifier/train.mjs [--out FILE]
//
// Reads the labeled data in ../shared/data/moderation beside the repository (or the folder named
// by WARDEN_MODERATION_DATA) and written-cases.jsonl beside this script. Deterministic: the same
// data and HARM_TRAINING_OPTIONS give the same bytes, so the committed text-harm-model.bin is
// what this script produces. Prints what the model flags of the train split out of fold (where
// its operating points were set), then the figures on the held-out sets (the test split and the
// sources kept out of training); `npm run eval:classifiers` prints them with the word-list
// comparison, the default filter's figures and the timing.
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { encodeModel, scoreText, TEXT_HARM_CATEGORIES } from '../dist/moderation/index.js'
import {
  formatSetFigures,
  HARM_TRAINING_OPTIONS,
  harmDataDir,
  loadTrainingData,
  measureHeldOut,
  prepareTexts,
  trainHarmModel,
} from '../dist/moderation/training/index.js'

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: new URL('text-harm-model.bin', import.meta.url).pathname },
  },
})

const dir = harmDataDir(process.env.WARDEN_MODERATION_DATA)
let items
try {
  items = await loadTrainingData(dir)
} catch (error) {
  console.error(`train:classifier: ${error.message}`)
  process.exit(1)
}
const texts = prepareTexts(items)
const counts = {}
for (const t of texts)
  counts[`${t.item.source} ${t.split}`] = (counts[`${t.item.source} ${t.split}`] ?? 0) + 1

const started = performance.now()
const model = trainHarmModel(texts, HARM_TRAINING_OPTIONS, {
  trainedBy: 'packages/warden/classifier/train.mjs',
  options: HARM_TRAINING_OPTIONS,
  texts: counts,
})
const bytes = encodeModel(model)
writeFileSync(values.out, bytes)
const seconds = ((performance.now() - started) / 1000).toFixed(1)
const sha = createHash('sha256').update(bytes).digest('hex')
console.log(
  `trained on ${texts.filter((t) => t.split === 'train').length} texts (${HARM_TRAINING_OPTIONS.folds} folds) in ${seconds} s`,
)
console.log(`wrote ${values.out} (${bytes.length} bytes, sha256 ${sha})\n`)

// Each category at its operating score (0.5; the default policy's sandbox threshold where lower).
const flagged = (t) => {
  const { scores } = scoreText(model, t.item.text)
  return new Set(TEXT_HARM_CATEGORIES.filter((_, c) => scores[c] >= (model.operating?.[c] ?? 0.5)))
}
console.log('out of fold on the train split (the points were set on these):', model.about.outOfFold)
console.log()
for (const { name, figures } of measureHeldOut(texts, flagged)) {
  console.log(formatSetFigures(name, figures), '\n')
}
