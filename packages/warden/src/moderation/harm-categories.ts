/**
 * The categories the trained text classifier scores. Each is a content category id of the usage
 * policy (`categories` in `policies/default.yaml`), except `illicit` (advice or help with
 * crimes: drugs, fraud, theft, hacking, weapons of ordinary harm), which the default policy has
 * no entry for yet.
 */
export const TEXT_HARM_CATEGORIES = [
  'hate',
  'harassment',
  'sexual',
  'sexual_minors',
  'violence',
  'self_harm',
  'weapons',
  'illicit',
] as const

/** A category the trained text classifier scores. */
export type TextHarmCategory = (typeof TEXT_HARM_CATEGORIES)[number]
