export {
  HARM_SOURCES,
  HarmDataError,
  harmDataDir,
  loadHarmData,
  loadTrainingData,
  parseWrittenCases,
  WRITTEN_CASES_FILE,
} from './harm-data.js'
export { formatComparison, formatSetFigures, HELD_OUT_SETS, measureHeldOut } from './harm-report.js'
export { benign, foldOf, labelsOf, isBenign, isHarmful, splitOf, SPLITS } from './labeled-text.js'
export type { HarmLabels, HarmSource, LabeledText, Split } from './labeled-text.js'
export { measure } from './harm-evaluation.js'
export type { CategoryFigures, SetFigures, Verdict } from './harm-evaluation.js'
export {
  HARM_TRAINING_OPTIONS,
  type HarmTrainingOptions,
  prepareTexts,
  trainHarmModel,
} from './train-harm-model.js'
export { labelVector } from './harm-weights.js'
export type { PreparedText } from './train-harm-model.js'
export { seededRandom, toExample, trainLinear } from './train-linear.js'
export type { TrainOptions, TrainedWeights, TrainingExample } from './train-linear.js'
export { fitPlatt } from './calibrate.js'
export { parseCsv } from './parse-csv.js'
