import type { ClassifierKinds } from './classifier-set.js'
import { textHarmClassifierKind } from './text-harm-classifier.js'

/** Every kind of classifier a configuration may name: one line per kind. */
export const classifierKinds: ClassifierKinds = {
  'text-harm': textHarmClassifierKind,
}
