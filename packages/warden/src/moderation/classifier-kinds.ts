import type { ClassifierKinds } from './classifier-set.js'
import { piiClassifierKind } from './pii-classifier.js'
import { secretsClassifierKind } from './secrets-classifier.js'
import { textHarmClassifierKind } from './text-harm-classifier.js'

/** Every kind of classifier a configuration may name: one line per kind. */
export const classifierKinds: ClassifierKinds = {
  'text-harm': textHarmClassifierKind,
  pii: piiClassifierKind,
  secrets: secretsClassifierKind,
}
