import type { TextHarmCategory } from '../harm-categories.js'
import { applyGates, type HashedLinearModel } from '../hashed-linear-model.js'
import { isGated } from '../text-harm-second-stage.js'
import { fitPlatt } from './calibrate.js'
import { isBenign, isHarmful } from './labeled-text.js'
import { labelVector } from './harm-weights.js'
import type { HarmTrainingOptions, OutOfFold } from './train-harm-model.js'

/**
 * Where the second stage agrees with the first, per category, set on texts scored out of fold
 * (`train-second-stage.ts`), and what the model then flags of them.
 */

/** A text scored out of fold by both stages: first-stage scores and second-stage raw logits. */
export interface Scored extends OutOfFold {
  /** Per category, the raw second-stage logit of the first stage's window (0 if gated). */
  readonly logits: Float64Array
}

/** The second stage's point for a category: raw logits map to `slope * (z - threshold)`. */
export interface SecondStagePoint {
  readonly slope: number
  readonly threshold: number
}

/** Per category id; gated categories have none. */
export type SecondStagePoints = Readonly<Record<string, SecondStagePoint>>

/** Bounds on the second stage's calibrated slope, as for the first. */
const MIN_SLOPE = 0.25
const MAX_SLOPE = 4

/** Whether a text is one of this repository's written benign cases (the look-alikes). */
export const isLookAlike = (o: OutOfFold): boolean =>
  o.text.item.source === 'written' && isBenign(o.text.item)

/**
 * The second stage's points. Each category's threshold keeps `keep` of the positives the first
 * stage flags (or is the stage's own balanced boundary, logit 0, if that is lower), and is raised
 * so that few written look-alikes pass: in all, at most `lookAlikeFlagRate` of them may be
 * flagged in any category once the stages are combined (the share a user sees). That budget is
 * spent where it buys the most: starting with no look-alike let through, a category at a time
 * lets one to {@link LOOK_AHEAD} more through, the step that adds the most recall per look-alike
 * flagged going first (recall is the sum of each category's logarithm: each counts alike however
 * many positives it has, and one with little recall gains most), until the next step would
 * overspend. Above the threshold, the
 * slope is Platt's on the texts the first stage scores at `floor` or more.
 */
export function secondStagePoints(
  first: HashedLinearModel,
  outOfFold: readonly OutOfFold[],
  scored: readonly Scored[],
  options: HarmTrainingOptions,
): SecondStagePoints {
  const rescored = first.categories.flatMap((category, c) =>
    isGated(first, c) ? [] : [{ category, c, score: operatingScore(options, category) }],
  )
  const slopes = rescored.map(({ c }) => plattSlope(scored, c, options.second.floor))
  const kept = rescored.map(({ c, score }) => keptThreshold(scored, c, score, options.second.keep))
  const lookAlikes = scored.filter(isLookAlike)
  const pointsAt = (allowed: readonly number[]): SecondStagePoints =>
    Object.fromEntries(
      rescored.map(({ category, c, score }, i) => [
        category,
        {
          slope: slopes[i] as number,
          threshold: Math.max(
            kept[i] as number,
            lookAlikeThreshold(lookAlikes, c, score, allowed[i] as number),
          ),
        },
      ]),
    )
  const flagged = (texts: readonly Scored[], points: SecondStagePoints): number =>
    texts.filter((s) => flagsOf(first, points, s, s.logits, options).some(Boolean)).length
  // Recall per category, out of all its positives, as the sum of its logarithms: every category
  // counts alike however many positives it has, and one with little recall gains most.
  const positives = first.categories.map(
    (_, c) => outOfFold.filter((o) => labelVector(o.text.item)[c] === 1).length,
  )
  const candidates = scored.filter((s) => labelVector(s.text.item).some((label) => label === 1))
  const recall = (points: SecondStagePoints): number => {
    const caught = first.categories.map(() => 0)
    for (const s of candidates) {
      const flags = flagsOf(first, points, s, s.logits, options)
      labelVector(s.text.item).forEach((label, c) => {
        if (label === 1 && flags[c]) caught[c] = (caught[c] as number) + 1
      })
    }
    return caught.reduce((sum, n, c) => sum + Math.log((n + 1) / ((positives[c] as number) + 1)), 0)
  }
  const budget = Math.floor(options.second.lookAlikeFlagRate * outOfFold.filter(isLookAlike).length)
  let allowed = rescored.map(() => 0)
  let spent = flagged(lookAlikes, pointsAt(allowed))
  let caught = recall(pointsAt(allowed))
  for (;;) {
    let best: { allowed: number[]; spent: number; caught: number; ratio: number } | null = null
    for (let i = 0; i < rescored.length; i++) {
      for (let more = 1; more <= LOOK_AHEAD; more++) {
        const next = allowed.map((a, j) => (j === i ? a + more : a))
        const points = pointsAt(next)
        const cost = flagged(lookAlikes, points)
        const gain = recall(points) - caught
        if (cost > budget || gain <= 0) continue
        const ratio = gain / Math.max(cost - spent, 0.5)
        if (best === null || ratio > best.ratio)
          best = { allowed: next, spent: cost, caught: caught + gain, ratio }
      }
    }
    if (best === null) break
    ;({ allowed, spent, caught } = best)
  }
  return pointsAt(allowed)
}

/** How many more look-alikes a category may let through in one step of the budget's spending. */
const LOOK_AHEAD = 4

/** The operating score of a category (0.5 unless the options give one). */
export const operatingScore = (options: HarmTrainingOptions, category: string): number =>
  options.operatingScores[category as TextHarmCategory] ?? 0.5

/**
 * The threshold that keeps `keep` of the positives the first stage flags at `score`, never
 * stricter than logit 0, where the stage's balanced weights make a positive and a hard negative
 * equally likely (a few positives cannot raise it).
 */
function keptThreshold(scored: readonly Scored[], c: number, score: number, keep: number): number {
  const flagged = scored
    .filter((s) => labelVector(s.text.item)[c] === 1 && (s.first.scores[c] as number) >= score)
    .map((s) => s.logits[c] as number)
    .sort((a, b) => a - b)
  return Math.min(0, flagged[Math.floor((1 - keep) * flagged.length)] ?? 0)
}

/**
 * The lowest threshold at which category `c` flags at most `allowed` of the look-alikes the first
 * stage flags ("how do I kill a stuck process"): those are the texts the goal is about,
 * and the public benign sets hold almost none of them.
 */
function lookAlikeThreshold(
  lookAlikes: readonly Scored[],
  c: number,
  score: number,
  allowed: number,
): number {
  const passing = lookAlikes
    .filter((s) => (s.first.scores[c] as number) >= score)
    .map((s) => s.logits[c] as number)
    .sort((a, b) => b - a)
  const above = passing[allowed]
  return above === undefined ? Number.NEGATIVE_INFINITY : above + 1e-6
}

/** Platt's slope on the texts of a known label the first stage scores at `floor` or more. */
function plattSlope(scored: readonly Scored[], c: number, floor: number): number {
  const hard = scored.filter((s) => {
    const label = labelVector(s.text.item)[c]
    return (label === 0 || label === 1) && (s.first.scores[c] as number) >= floor
  })
  const platt = fitPlatt(
    hard.map((s) => s.logits[c] as number),
    hard.map((s) => (labelVector(s.text.item)[c] === 1 ? 1 : 0)),
  )
  return Math.min(MAX_SLOPE, Math.max(MIN_SLOPE, platt.a))
}

/**
 * Per category, whether the model flags a text scored out of fold, combining the stages as
 * `applySecondStage` does: the first stage's score where the second agrees, else the smaller of
 * the two; gates applied after.
 */
function flagsOf(
  first: HashedLinearModel,
  points: SecondStagePoints,
  o: OutOfFold,
  logits: Float64Array | undefined,
  options: HarmTrainingOptions,
): boolean[] {
  const scores = Float64Array.from(o.first.scores, (score, c) => {
    const point = points[first.categories[c] as string]
    if (logits === undefined || point === undefined) return score
    const op = logitOf(operatingScore(options, first.categories[c] as string))
    const verdict = point.slope * ((logits[c] as number) - point.threshold) + op
    return verdict >= op ? score : Math.min(score, 1 / (1 + Math.exp(-verdict)))
  })
  applyGates(first, scores)
  return first.categories.map(
    (category, c) => (scores[c] as number) >= operatingScore(options, category),
  )
}

/**
 * What the calibrated model flags of the train split, every text scored out of fold: per
 * category the share of its positives, and in any category the shares of harmful texts, of the
 * written look-alikes and of other benign texts. The thresholds were set on these scores, so these
 * are not held-out figures; they compare training options on all of the train split.
 */
export function outOfFoldFigures(
  first: HashedLinearModel,
  points: SecondStagePoints,
  outOfFold: readonly OutOfFold[],
  scored: readonly Scored[],
  options: HarmTrainingOptions,
): Record<string, string> {
  const logits = new Map(scored.map((s) => [s.text, s.logits]))
  const counts = new Map<string, [number, number]>()
  const count = (key: string, hit: boolean): void => {
    const [hits, all] = counts.get(key) ?? [0, 0]
    counts.set(key, [hits + (hit ? 1 : 0), all + 1])
  }
  for (const o of outOfFold) {
    const flagged = flagsOf(first, points, o, logits.get(o.text), options)
    const labels = labelVector(o.text.item)
    first.categories.forEach((category, c) => {
      if (labels[c] === 1) count(category, flagged[c] as boolean)
    })
    const any = flagged.some(Boolean)
    if (isHarmful(o.text.item)) count('any: harmful', any)
    if (isBenign(o.text.item)) count(isLookAlike(o) ? 'any: look-alikes' : 'any: other benign', any)
  }
  return Object.fromEntries(
    [...counts]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, [hits, all]]) => [key, `${hits}/${all} = ${(hits / all).toFixed(3)}`]),
  )
}

const logitOf = (p: number): number => Math.log(p / (1 - p))
