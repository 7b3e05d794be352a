import { TEXT_HARM_CATEGORIES, type TextHarmCategory } from '../harm-categories.js'
import { isBenign, isHarmful, type LabeledText } from './labeled-text.js'

/**
 * Measures a classifier on labeled texts: per category precision, recall and false-positive
 * rate, the share of benign texts flagged in any category, and the share of harmful texts
 * flagged in any category (which counts texts whose category the source does not name).
 */

/** What a classifier said about one text: the categories it flagged. */
export interface Verdict {
  readonly item: LabeledText
  readonly flagged: ReadonlySet<TextHarmCategory>
}

/** Counts and rates of one category on one set of texts. */
export interface CategoryFigures {
  readonly positives: number
  readonly negatives: number
  readonly truePositives: number
  readonly falsePositives: number
  /** NaN when nothing was flagged. */
  readonly precision: number
  /** NaN when the set has no positives. */
  readonly recall: number
  /** Flagged negatives / negatives; NaN when the set has no negatives. */
  readonly falsePositiveRate: number
  /** Benign texts (every category 0) flagged in this category / benign texts. */
  readonly benignFalsePositiveRate: number
}

export interface SetFigures {
  readonly texts: number
  readonly categories: Readonly<Record<TextHarmCategory, CategoryFigures>>
  /** Benign texts (every category 0) flagged in any category, and how many there are. */
  readonly benignFlagged: number
  readonly benign: number
  /** Harmful texts flagged in any category, and how many there are. */
  readonly harmfulFlagged: number
  readonly harmful: number
}

/** Figures of a set of verdicts. */
export function measure(verdicts: readonly Verdict[]): SetFigures {
  const categories = Object.fromEntries(
    TEXT_HARM_CATEGORIES.map((c) => [c, categoryFigures(verdicts, c)]),
  ) as Record<TextHarmCategory, CategoryFigures>
  const benign = verdicts.filter((v) => isBenign(v.item))
  const harmful = verdicts.filter((v) => isHarmful(v.item))
  return {
    texts: verdicts.length,
    categories,
    benign: benign.length,
    benignFlagged: benign.filter((v) => v.flagged.size > 0).length,
    harmful: harmful.length,
    harmfulFlagged: harmful.filter((v) => v.flagged.size > 0).length,
  }
}

function categoryFigures(
  verdicts: readonly Verdict[],
  category: TextHarmCategory,
): CategoryFigures {
  let positives = 0
  let negatives = 0
  let truePositives = 0
  let falsePositives = 0
  let benign = 0
  let benignFlagged = 0
  for (const { item, flagged } of verdicts) {
    if (isBenign(item)) {
      benign++
      if (flagged.has(category)) benignFlagged++
    }
    const label = item.labels[category]
    if (label === undefined) continue
    const hit = flagged.has(category)
    if (label === 1) {
      positives++
      if (hit) truePositives++
    } else {
      negatives++
      if (hit) falsePositives++
    }
  }
  return {
    positives,
    negatives,
    truePositives,
    falsePositives,
    precision: truePositives / (truePositives + falsePositives),
    recall: truePositives / positives,
    falsePositiveRate: falsePositives / negatives,
    benignFalsePositiveRate: benignFlagged / benign,
  }
}
