import type { ClassifierKinds } from './classifier-set.js'
import { injectionClassifierKind } from './injection-classifier.js'
import { llamaGuardClassifierKind } from './llama-guard-classifier.js'
import { onnxClassifierKind } from './onnx-classifier.js'
import { openAiModerationClassifierKind } from './openai-moderation-classifier.js'
import { piiClassifierKind } from './pii-classifier.js'
import { profanityClassifierKind } from './profanity-classifier.js'
import { profilingClassifierKind } from './profiling-classifier.js'
import { secretsClassifierKind } from './secrets-classifier.js'
import { spamClassifierKind } from './spam-classifier.js'
import { textHarmClassifierKind } from './text-harm-classifier.js'
import { webhookClassifierKind } from './webhook-classifier.js'

/** Every kind of classifier a configuration may name: one line per kind. */
export const classifierKinds: ClassifierKinds = {
  // Local: no network, bounded time.
  'text-harm': textHarmClassifierKind,
  pii: piiClassifierKind,
  secrets: secretsClassifierKind,
  injection: injectionClassifierKind,
  profiling: profilingClassifierKind,
  profanity: profanityClassifierKind,
  spam: spamClassifierKind,
  // Backed by a model, over the network or loaded from a directory.
  'openai-moderation': openAiModerationClassifierKind,
  'llama-guard': llamaGuardClassifierKind,
  webhook: webhookClassifierKind,
  onnx: onnxClassifierKind,
}
