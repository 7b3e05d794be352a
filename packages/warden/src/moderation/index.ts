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
  textHarmClassifierKind,
  createTextHarmClassifier,
  loadHashedLinearModel,
  scoreText,
  TEXT_HARM_DEFAULTS,
  TEXT_HARM_MODEL_FILE,
} from './text-harm-classifier.js'
export type { TextHarmClassifierOptions } from './text-harm-classifier.js'
export { bestWindows, chunksOf, sumChunks } from './window-scores.js'
export type { ChunkSums, Span, WindowScores } from './window-scores.js'
export { createClassifierSet, ClassifierConfigError } from './classifier-set.js'
export {
  autoWorkers,
  createPooledClassifierSet,
  OFFLOADABLE_KINDS,
  type ClassifierPoolOptions,
  type ClassifierPoolStats,
  type PooledClassifierSet,
} from './classifier-pool.js'
export type {
  CappedFinding,
  Classified,
  ClassifierFailure,
  ClassifierKinds,
  ClassifierSet,
} from './classifier-set.js'
export { decide, strongerAction } from './content-decision.js'
export type { ContentVerdict, DecidedFinding } from './content-decision.js'
export { createContentFilter, redactTexts } from './content-filter.js'
export type { ContentFilter, PlacedFinding, TextsVerdict } from './content-filter.js'
export { classifierKinds } from './classifier-kinds.js'
export { createRedactor } from './redaction.js'
export type { Redactor } from './redaction.js'
export { OPENAI_CATEGORIES, toModerationResult } from './openai-categories.js'
export type { ModerationResult, OpenAiCategory } from './openai-categories.js'
export { OutputGuard } from './output-guard.js'
export type { CheckWindow, OutputRedaction, OutputWindowOptions } from './output-guard.js'
export { textSignature, SIGNATURE_MAX_CHARS, SIGNATURE_MIN_WORDS } from './text-signature.js'
