import { TEXT_HARM_CATEGORIES, type TextHarmCategory } from '../harm-categories.js'
import { measure, type SetFigures, type Verdict } from './harm-evaluation.js'
import type { PreparedText } from './train-harm-model.js'

/**
 * The held-out sets every figure of the model card comes from, and their text tables. Only
 * texts the model never trained on are measured: the test split of the training sources, and
 * the sources or subsets kept out of training whole.
 */
export const HELD_OUT_SETS: readonly {
  readonly name: string
  readonly includes: (text: PreparedText) => boolean
}[] = [
  { name: 'test split of the training sources', includes: (t) => t.split === 'test' },
  {
    name: 'unseen: SimpleSafetyTests (all harmful)',
    includes: (t) => t.item.source === 'simple-safety-tests',
  },
  {
    name: 'unseen: HateCheck spelling variations (all hateful)',
    includes: (t) => t.item.source === 'hatecheck' && t.split === 'unseen',
  },
  {
    name: 'unseen: XSTest safe prompts (all benign)',
    includes: (t) => t.item.source === 'xstest' && t.item.harmfulUnlabeled !== true,
  },
  {
    name: 'unseen: XSTest unsafe prompts (harmful, category not given)',
    includes: (t) => t.item.source === 'xstest' && t.item.harmfulUnlabeled === true,
  },
  { name: 'unseen: GSM8K questions (all benign)', includes: (t) => t.item.source === 'gsm8k' },
]

/** Figures per held-out set for one way of flagging texts. */
export function measureHeldOut(
  texts: readonly PreparedText[],
  flag: (text: PreparedText) => ReadonlySet<TextHarmCategory>,
): { name: string; figures: SetFigures }[] {
  const verdicts = new Map<PreparedText, Verdict>()
  const verdictOf = (t: PreparedText): Verdict => {
    let verdict = verdicts.get(t)
    if (!verdict) verdicts.set(t, (verdict = { item: t.item, flagged: flag(t) }))
    return verdict
  }
  return HELD_OUT_SETS.map((set) => ({
    name: set.name,
    figures: measure(texts.filter(set.includes).map(verdictOf)),
  }))
}

const rate = (value: number): string =>
  Number.isNaN(value) ? '    -' : value.toFixed(3).padStart(5)
const share = (part: number, whole: number): string =>
  whole === 0 ? '-' : `${part}/${whole} = ${rate(part / whole).trim()}`

/**
 * One set's figures as text: a line of totals, then per category precision, recall, the
 * false-positive rate among the category's negatives and among benign texts.
 */
export function formatSetFigures(name: string, figures: SetFigures): string {
  const lines = [
    `== ${name}: ${figures.texts} texts; benign flagged ${share(figures.benignFlagged, figures.benign)}; ` +
      `harmful flagged ${share(figures.harmfulFlagged, figures.harmful)}`,
  ]
  const header = `   ${'category'.padEnd(14)} precision  recall  FPR  benign FPR  positives  negatives`
  const rows = TEXT_HARM_CATEGORIES.flatMap((category) => {
    const c = figures.categories[category]
    if (c.positives === 0 && c.falsePositives === 0) return []
    return [
      `   ${category.padEnd(14)} ${rate(c.precision).padStart(9)}  ${rate(c.recall).padStart(6)}  ` +
        `${rate(c.falsePositiveRate)}  ${rate(c.benignFalsePositiveRate).padStart(10)}  ` +
        `${String(c.positives).padStart(9)}  ${String(c.negatives).padStart(9)}`,
    ]
  })
  return [...lines, ...(rows.length > 0 ? [header, ...rows] : [])].join('\n')
}

/**
 * The comparison the issue asks for, per category: recall on the category's held-out
 * positives (test split and unseen sets together) and the share of held-out benign texts
 * flagged, for the model and for a word list.
 */
export function formatComparison(
  texts: readonly PreparedText[],
  model: (text: PreparedText) => ReadonlySet<TextHarmCategory>,
  wordList: (text: PreparedText) => boolean,
): string {
  const heldOut = texts.filter((t) => HELD_OUT_SETS.some((set) => set.includes(t)))
  const modelFigures = measure(heldOut.map((t) => ({ item: t.item, flagged: model(t) })))
  const listFigures = measure(
    heldOut.map((t) => ({
      item: t.item,
      flagged: new Set(wordList(t) ? TEXT_HARM_CATEGORIES : []),
    })),
  )
  const lines = [
    `== model vs word list on every held-out text (${heldOut.length}; ${modelFigures.benign} benign)`,
    `   ${'category'.padEnd(14)} positives  model recall  list recall  model benign FPR  list benign FPR`,
  ]
  for (const category of TEXT_HARM_CATEGORIES) {
    const m = modelFigures.categories[category]
    const l = listFigures.categories[category]
    lines.push(
      `   ${category.padEnd(14)} ${String(m.positives).padStart(9)}  ${rate(m.recall).padStart(12)}  ` +
        `${rate(l.recall).padStart(11)}  ${rate(m.benignFalsePositiveRate).padStart(16)}  ` +
        `${rate(l.benignFalsePositiveRate).padStart(15)}`,
    )
  }
  lines.push(
    `   any category: model flags ${share(modelFigures.harmfulFlagged, modelFigures.harmful)} harmful, ` +
      `${share(modelFigures.benignFlagged, modelFigures.benign)} benign; list flags ` +
      `${share(listFigures.harmfulFlagged, listFigures.harmful)} harmful, ` +
      `${share(listFigures.benignFlagged, listFigures.benign)} benign`,
  )
  return lines.join('\n')
}
