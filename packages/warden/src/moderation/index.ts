export { DIRECTIONS } from './classifier.js'
export type {
  Classifier,
  ClassifierDeps,
  ClassifierKind,
  ClassifyInput,
  Direction,
  Finding,
  TextSpan,
} from './classifier.js'
export { TEXT_HARM_CATEGORIES } from './harm-categories.js'
export type { TextHarmCategory } from './harm-categories.js'
export { normalizeText } from './normalize-text.js'
export {
  featureIndices,
  featureWords,
  pairFeatures,
  wordFeatures,
  wordHash,
} from './text-features.js'
export {
  decodeModel,
  encodeModel,
  scoreWords,
  scoresOfSums,
  sumFeatures,
  MAX_BITS,
} from './hashed-linear-model.js'
export type { HashedLinearModel, WordSums } from './hashed-linear-model.js'
export {
  createTextHarmClassifier,
  loadHashedLinearModel,
  scoreText,
  TEXT_HARM_DEFAULTS,
  TEXT_HARM_MODEL_FILE,
} from './text-harm-classifier.js'
export type { TextHarmClassifierOptions } from './text-harm-classifier.js'
export { bestWindows, chunksOf, sumChunks } from './window-scores.js'
export type { ChunkSums, Span, WindowScores } from './window-scores.js'
