import { z } from 'zod'
import type { PolicyDocument } from './policy-document.js'
import {
  PRESCREEN_OUTCOMES,
  prescreen,
  type PrescreenOptions,
  type PrescreenOutcome,
} from './prescreen.js'
import {
  toUseCaseApplication,
  useCaseApplicationSchema,
  type UseCaseApplication,
} from './use-case-application.js'

export const EVALUATION_SPLITS = ['tuning', 'holdout'] as const
/** `tuning`: examples the indicators were tuned on; `holdout`: written after, never tuned on. */
export type EvaluationSplit = (typeof EVALUATION_SPLITS)[number]

/** One line of a labeled set: the form's fields plus the expected verdict. */
const labeledLineSchema = useCaseApplicationSchema.extend({
  label: z.strictObject({
    outcome: z.enum(PRESCREEN_OUTCOMES),
    clauses: z.array(z.string().max(100)).max(20),
  }),
  split: z.enum(EVALUATION_SPLITS).default('tuning'),
  /** Near-miss pairs share a name: the two sides of one line between allowed and not. */
  pair: z.string().max(60).optional(),
})

/** An application with the verdict a careful reviewer would give it. */
export interface LabeledApplication {
  /** 1-based line in the labeled set. */
  readonly line: number
  readonly application: UseCaseApplication
  readonly outcome: PrescreenOutcome
  /** The clauses that decide the outcome: prohibited ones, or high-scrutiny ones, or none. */
  readonly clauses: readonly string[]
  readonly split: EvaluationSplit
  readonly pair?: string
}

/** Parses a labeled set, one JSON object a line; throws naming the line and field of a bad one. */
export function parseLabeledApplications(jsonl: string): LabeledApplication[] {
  const examples: LabeledApplication[] = []
  jsonl.split('\n').forEach((text, index) => {
    if (text.trim() === '') return
    const line = index + 1
    let raw: unknown
    try {
      raw = JSON.parse(text)
    } catch {
      throw new Error(`line ${line}: not valid JSON`)
    }
    const parsed = labeledLineSchema.safeParse(raw)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      throw new Error(`line ${line}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`)
    }
    const { label, split, pair, ...form } = parsed.data
    examples.push({
      line,
      application: toUseCaseApplication(form),
      outcome: label.outcome,
      clauses: label.clauses,
      split,
      pair,
    })
  })
  return examples
}

/** Precision and recall of one outcome; NaN where nothing was predicted or expected. */
export interface OutcomeScore {
  readonly precision: number
  readonly recall: number
  /** Examples labeled with this outcome. */
  readonly expected: number
  /** Examples the pre-screen gave this outcome. */
  readonly predicted: number
}

/** One example the pre-screen got wrong: its outcome, or the clauses that decide it. */
export interface Miss {
  readonly line: number
  readonly description: string
  readonly expected: PrescreenOutcome
  readonly got: PrescreenOutcome
  readonly expectedClauses: readonly string[]
  readonly gotClauses: readonly string[]
}

/** How the pre-screen does on a labeled set. */
export interface PrescreenEvaluation {
  readonly examples: number
  readonly outcomes: Readonly<Record<PrescreenOutcome, OutcomeScore>>
  /** `confusion[expected][got]`: how many examples. */
  readonly confusion: Readonly<Record<PrescreenOutcome, Readonly<Record<PrescreenOutcome, number>>>>
  /**
   * Share of the prohibited examples the pre-screen sends to a person at all: prohibited or
   * high-scrutiny. What a miss of the prohibited outcome costs depends on it.
   */
  readonly prohibitedReviewed: number
  /** Share of examples whose labeled clauses all appear among the clauses found. */
  readonly clausesFound: number
  /**
   * Share of examples whose deciding clauses (the found clauses of the section the outcome comes
   * from; none for low risk) are exactly the labeled ones.
   */
  readonly clausesExact: number
  /** Examples whose outcome or deciding clauses differ from the label. */
  readonly misses: readonly Miss[]
}

const sectionOf = (outcome: PrescreenOutcome): string | null =>
  outcome === 'low_risk' ? null : `${outcome}.`

/** Runs the local pre-screen on every example and scores it against the labels. */
export function evaluatePrescreen(
  examples: readonly LabeledApplication[],
  doc: PolicyDocument,
  options: PrescreenOptions = {},
): PrescreenEvaluation {
  const zeroRow = () => ({ low_risk: 0, high_scrutiny: 0, prohibited: 0 })
  const confusion = { low_risk: zeroRow(), high_scrutiny: zeroRow(), prohibited: zeroRow() }
  let found = 0
  let exact = 0
  const misses: Miss[] = []
  for (const example of examples) {
    const result = prescreen(example.application, doc, options)
    confusion[example.outcome][result.outcome] += 1
    const ids = result.clauses.map((c) => c.id)
    if (example.clauses.every((id) => ids.includes(id))) found += 1
    const section = sectionOf(result.outcome)
    const deciding = section === null ? [] : ids.filter((id) => id.startsWith(section))
    const same =
      deciding.length === example.clauses.length &&
      example.clauses.every((id) => deciding.includes(id))
    if (same) exact += 1
    if (!same || result.outcome !== example.outcome) {
      misses.push({
        line: example.line,
        description: example.application.description,
        expected: example.outcome,
        got: result.outcome,
        expectedClauses: example.clauses,
        gotClauses: deciding,
      })
    }
  }
  const score = (outcome: PrescreenOutcome): OutcomeScore => {
    const hits = confusion[outcome][outcome]
    const expected = PRESCREEN_OUTCOMES.reduce((n, got) => n + confusion[outcome][got], 0)
    const predicted = PRESCREEN_OUTCOMES.reduce((n, exp) => n + confusion[exp][outcome], 0)
    return { precision: hits / predicted, recall: hits / expected, expected, predicted }
  }
  return {
    examples: examples.length,
    outcomes: {
      low_risk: score('low_risk'),
      high_scrutiny: score('high_scrutiny'),
      prohibited: score('prohibited'),
    },
    confusion,
    prohibitedReviewed:
      (confusion.prohibited.prohibited + confusion.prohibited.high_scrutiny) /
      score('prohibited').expected,
    clausesFound: found / examples.length,
    clausesExact: exact / examples.length,
    misses,
  }
}
