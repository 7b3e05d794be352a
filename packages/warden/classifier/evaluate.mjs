// Measures the committed text harm classifier on held-out data, beside the `obscenity` word list.
//
//   npm run eval:classifiers            (builds first; same as the line below)
//   npm run build && node packages/warden/classifier/evaluate.mjs [--model FILE] [--threshold T]
//
// Only texts the model never trained on are measured: the test split of the training sources
// and the sources kept out of training whole (SimpleSafetyTests, XSTest, GSM8K, HateCheck's
// spelling variations). A category is flagged at its operating score (0.5; the default policy's
// sandbox threshold where that differs: sexual_minors 0.2, weapons 0.3) unless --threshold sets
// one for all; a last table uses the default policy's stricter production thresholds. The word
// list flags a text when it finds any listed word; it names no category,
// so its recall in a category is the share of that category's texts it flags at all. Ends with
// the time to score a 16 KB prompt and the size of the weights.
import { statSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { englishDataset, englishRecommendedTransformers, RegExpMatcher } from 'obscenity'
import {
  loadHashedLinearModel,
  scoreText,
  TEXT_HARM_CATEGORIES,
  TEXT_HARM_MODEL_FILE,
} from '../dist/moderation/index.js'
import {
  formatComparison,
  formatSetFigures,
  harmDataDir,
  loadTrainingData,
  measureHeldOut,
  prepareTexts,
} from '../dist/moderation/training/index.js'
import { loadPolicyFile } from '../dist/policy/index.js'

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    threshold: { type: 'string' },
  },
})
const modelFile = values.model ?? TEXT_HARM_MODEL_FILE

let items
try {
  items = await loadTrainingData(harmDataDir(process.env.WARDEN_MODERATION_DATA))
} catch (error) {
  console.error(`eval:classifiers: ${error.message}`)
  process.exit(1)
}
const texts = prepareTexts(items).filter((t) => t.split === 'test' || t.split === 'unseen')
const model = await loadHashedLinearModel(modelFile)
const scores = new Map(texts.map((t) => [t, scoreText(model, t.item.text).scores]))
const flaggedAt = (thresholds) => (t) => {
  const s = scores.get(t)
  return new Set(TEXT_HARM_CATEGORIES.filter((c, i) => s[i] >= thresholds[c]))
}
const points = model.about.operatingPoints ?? {}
const operating = Object.fromEntries(
  TEXT_HARM_CATEGORIES.map((c) => [
    c,
    values.threshold === undefined ? (points[c]?.score ?? 0.5) : Number(values.threshold),
  ]),
)
const modelFlags = flaggedAt(operating)

const matcher = new RegExpMatcher({ ...englishDataset.build(), ...englishRecommendedTransformers })
const listed = new Map(texts.map((t) => [t, matcher.hasMatch(t.item.text)]))
const listFlags = (t) => new Set(listed.get(t) ? TEXT_HARM_CATEGORIES : [])

console.log(`# text harm classifier: ${modelFile}, flagged at ${JSON.stringify(operating)}\n`)
for (const { name, figures } of measureHeldOut(texts, modelFlags)) {
  console.log(formatSetFigures(name, figures), '\n')
}
console.log('# obscenity word list (englishDataset, recommended transformers)\n')
for (const { name, figures } of measureHeldOut(texts, listFlags)) {
  console.log(formatSetFigures(name, figures), '\n')
}
console.log(
  formatComparison(texts, modelFlags, (t) => listed.get(t)),
  '\n',
)

const { document } = await loadPolicyFile(null)
const production = Object.fromEntries(
  TEXT_HARM_CATEGORIES.map((c) => [
    c,
    document.categories.find((p) => p.id === c)?.actions.production?.threshold ?? 0.5,
  ]),
)
console.log(`# at the default policy's production thresholds ${JSON.stringify(production)}\n`)
console.log(formatComparison(texts, flaggedAt(production), (t) => listed.get(t)))
for (const { name, figures } of measureHeldOut(texts, flaggedAt(production))) {
  console.log(formatSetFigures(name, figures).split('\n')[0])
}
console.log()

const sentences = [
  'Please summarise the quarterly report and list the three largest cost increases.',
  'How do I kill a stuck process on my build server without rebooting it?',
  'I hate waiting for the bus in the rain, it always comes late on Mondays.',
]
let prompt = ''
for (let i = 0; prompt.length < 16 * 1024; i++) prompt += `${sentences[i % 3]} `
prompt = prompt.slice(0, 16 * 1024)
for (let i = 0; i < 50; i++) scoreText(model, prompt)
const samples = []
for (let i = 0; i < 200; i++) {
  const start = performance.now()
  scoreText(model, prompt)
  samples.push(performance.now() - start)
}
samples.sort((a, b) => a - b)
console.log(
  `# speed: a 16 KB prompt in ${samples[100].toFixed(2)} ms (median of 200, one core); ` +
    `weights ${(statSync(modelFile).size / 1024 / 1024).toFixed(2)} MB`,
)
