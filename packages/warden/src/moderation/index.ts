export type { Classifier, ClassifyContext, Finding } from './classifier.js'
export { TEXT_HARM_CATEGORIES } from './harm-categories.js'
export type { TextHarmCategory } from './harm-categories.js'
export { normalizeText } from './normalize-text.js'
export { featureWords, visitFeatures } from './text-features.js'
export {
  decodeModel,
  encodeModel,
  logitsOfWords,
  scoreWords,
  MAX_BITS,
} from './hashed-linear-model.js'
export type { HashedLinearModel } from './hashed-linear-model.js'
export {
  createTextHarmClassifier,
  loadHashedLinearModel,
  scoreText,
  TEXT_HARM_DEFAULTS,
  TEXT_HARM_MODEL_FILE,
} from './text-harm-classifier.js'
export type { TextHarmClassifierOptions } from './text-harm-classifier.js'
export { windowsOf } from './window-scores.js'
export type { WindowScores } from './window-scores.js'
