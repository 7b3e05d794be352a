import { createHash } from 'node:crypto'
import { TEXT_HARM_CATEGORIES, type TextHarmCategory } from '../harm-categories.js'

/** Per category: 1 the text is of it, 0 it is not, missing: the source does not say. */
export type HarmLabels = Partial<Record<TextHarmCategory, 0 | 1>>

/** One labeled text of the training data, with where it came from. */
export interface LabeledText {
  readonly text: string
  /** The data set's folder name (`hatecheck`) or `written` for this repository's own cases. */
  readonly source: string
  /** The part of the source the label came from (`slur_h`, `class 1`, `vcr`). */
  readonly subset: string
  /** Texts with one group land in one split (a HateCheck template, else the text itself). */
  readonly group: string
  readonly labels: HarmLabels
  /** Kept out of training whole, to measure how the model does on sources it never saw. */
  readonly unseen: boolean
  /** How much the text counts in training, relative to others (sources differ in size). */
  readonly weight: number
  /** Harmful in a category the source does not name (XSTest's unsafe prompts). */
  readonly harmfulUnlabeled?: boolean
}

/** A data set of `shared/data/moderation/` and how its labels map to the categories. */
export interface HarmSource {
  /** The data set's folder. */
  readonly name: string
  /** Files it reads, relative to its folder. */
  readonly files: readonly string[]
  /** Builds labeled texts from the files' contents, in `files` order. */
  read(contents: readonly string[]): LabeledText[]
}

/** Labels that say every category is absent: a benign text. */
export function benign(): HarmLabels {
  return Object.fromEntries(TEXT_HARM_CATEGORIES.map((c) => [c, 0]))
}

/**
 * Labels of a text of the `positive` categories: those are 1, `unsure` ones are left out (the
 * source does not tell whether the text is also of them), the rest are 0.
 */
export function labelsOf(
  positive: readonly TextHarmCategory[],
  unsure: readonly TextHarmCategory[] = [],
): HarmLabels {
  const labels = benign()
  for (const category of unsure) delete labels[category]
  for (const category of positive) labels[category] = 1
  // Sexual content involving minors is sexual, but its words for children must not teach
  // `sexual`: that category learns only from other texts, and gates sexual_minors at inference.
  if (labels.sexual_minors === 1) delete labels.sexual
  return labels
}

export const SPLITS = ['train', 'test'] as const
/**
 * `train` fits the weights and, by folds of it, calibrates them (`train-harm-model.ts`); `test`
 * is reported.
 */
export type Split = (typeof SPLITS)[number]

const bucketOf = (key: string, buckets: number): number =>
  createHash('sha256').update(key).digest().readUInt32BE(0) % buckets

/**
 * The split of a group, from a hash of it: 80% train, 20% test. The same group always lands in
 * the same split, whatever else the data holds.
 */
export function splitOf(group: string): Split {
  return bucketOf(group, 100) < 80 ? 'train' : 'test'
}

/** The fold (0 to `folds - 1`) of a group of the train split: another hash, so folds mix sources. */
export function foldOf(group: string, folds: number): number {
  return bucketOf(`fold:${group}`, folds)
}

/** Whether the text is harmful in any category, labeled or not. */
export const isHarmful = (text: LabeledText): boolean =>
  text.harmfulUnlabeled === true || Object.values(text.labels).some((label) => label === 1)

/** Whether the text is labeled benign in every category. */
export const isBenign = (text: LabeledText): boolean =>
  TEXT_HARM_CATEGORIES.every((category) => text.labels[category] === 0)
