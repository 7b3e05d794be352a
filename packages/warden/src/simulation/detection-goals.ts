import type { DetectionScore } from './detection-score.js'

/** The monitoring issue's goals for a simulation with the default thresholds. */
export const DETECTION_GOALS = {
  minRecall: 0.95,
  minPrecision: 0.9,
  /** Detectors that must find their episode within a minute of simulated time, at the latest. */
  fastDetectors: ['volume_spike', 'key_sharing'],
  maxSecondsToDetect: 60,
} as const

/** One goal and whether the run met it. */
export interface GoalCheck {
  readonly goal: string
  readonly met: boolean
  /** The figures it was judged on. */
  readonly figures: string
}

const fixed = (value: number | null) => (value === null ? 'n/a' : value.toFixed(2))

/**
 * Judges a run's score against the goals: every detector with episodes planted finds at least
 * 95% of them at a precision of 90% or more; volume spikes and leaked keys are found within 60
 * simulated seconds; and no incident is raised on a normal application or key.
 */
export function checkDetectionGoals(score: DetectionScore): GoalCheck[] {
  const checks: GoalCheck[] = []
  const planted = score.detectors.filter((d) => d.planted > 0)
  if (planted.length > 0) {
    checks.push({
      goal: `recall >= ${DETECTION_GOALS.minRecall} and precision >= ${DETECTION_GOALS.minPrecision} for every detector`,
      met: planted.every(
        (d) =>
          (d.recall ?? 0) >= DETECTION_GOALS.minRecall &&
          (d.precision ?? 1) >= DETECTION_GOALS.minPrecision,
      ),
      figures: planted
        .map((d) => `${d.detector} ${fixed(d.recall)}/${fixed(d.precision)}`)
        .join(', '),
    })
    const fast = planted.filter((d) =>
      (DETECTION_GOALS.fastDetectors as readonly string[]).includes(d.detector),
    )
    if (fast.length > 0) {
      checks.push({
        goal: `volume spikes and leaked keys detected within ${DETECTION_GOALS.maxSecondsToDetect} s`,
        met: fast.every(
          (d) =>
            d.detected === d.planted &&
            (d.maxSecondsToDetect ?? Infinity) <= DETECTION_GOALS.maxSecondsToDetect,
        ),
        figures: fast
          .map((d) => `${d.detector} max ${d.maxSecondsToDetect?.toFixed(0) ?? 'n/a'} s`)
          .join(', '),
      })
    }
  }
  const onNormal = score.falsePositives.filter((f) => f.onNormalSubject).length
  checks.push({
    goal: 'no incident on a normal application or key',
    met: onNormal === 0,
    figures: `${onNormal} incident${onNormal === 1 ? '' : 's'} on normal subjects`,
  })
  return checks
}
