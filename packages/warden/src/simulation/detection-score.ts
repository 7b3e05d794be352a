import type { Episode } from './abuse-episodes.js'

/** An incident as the score reads it. */
export interface ScoredIncident {
  readonly detector: string
  readonly subject: { readonly kind: string; readonly id: string }
  readonly severity: string
  readonly summary: string
  /** When the detector first raised it (simulated Unix ms). */
  readonly firstSeenAt: number
  /** Applications and keys its evidence names (a cluster's top ones), besides its subject. */
  readonly apps: readonly string[]
  readonly keys: readonly string[]
}

/** An episode with the ids Warden gave its applications and keys. */
export interface ResolvedEpisode {
  readonly episode: Episode
  readonly appIds: ReadonlySet<string>
  readonly keyIds: ReadonlySet<string>
}

/** How one detector did. */
export interface DetectorScore {
  readonly detector: string
  /** Episodes planted for it, and those it raised an incident on. */
  readonly planted: number
  readonly detected: number
  /** Detected over planted; null when none were planted. */
  readonly recall: number | null
  /** Incidents it raised: on its episodes, on misuse it goes with by nature, and the rest. */
  readonly incidents: number
  readonly truePositives: number
  readonly alsoExpected: number
  readonly falsePositives: number
  /** True over true and false; null when it raised none. */
  readonly precision: number | null
  /** Seconds from an episode's first abusive request to its first incident (simulated). */
  readonly medianSecondsToDetect: number | null
  readonly maxSecondsToDetect: number | null
  /** False positives on normal applications and keys (no misuse planted there at all). */
  readonly onNormalSubjects: number
}

/** An incident that matched no episode. */
export interface FalsePositive {
  readonly detector: string
  readonly subject: { readonly kind: string; readonly id: string }
  /** Whether it is about a normal application (not one planted for misuse). */
  readonly onNormalSubject: boolean
  readonly severity: string
  readonly summary: string
  readonly firstSeenAt: number
}

/** What became of one episode. */
export interface EpisodeOutcome {
  readonly index: number
  readonly kind: string
  readonly summary: string
  readonly start: number
  /** Seconds to its first incident of its own kind, or null when missed. */
  readonly secondsToDetect: number | null
  /** Incidents of other detectors on it that it sets off by nature. */
  readonly alsoRaised: readonly string[]
}

export interface DetectionScore {
  readonly detectors: readonly DetectorScore[]
  readonly falsePositives: readonly FalsePositive[]
  readonly episodes: readonly EpisodeOutcome[]
}

/** Incidents raised this long after an episode's last request still belong to it. */
const AFTER_END_MS = 30 * 60_000

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/** Whether an incident is about the episode's applications or keys, raised while it went on. */
function concerns(incident: ScoredIncident, resolved: ResolvedEpisode): boolean {
  const { episode, appIds, keyIds } = resolved
  if (incident.firstSeenAt < episode.start || incident.firstSeenAt > episode.end + AFTER_END_MS) {
    return false
  }
  const { kind, id } = incident.subject
  if (kind === 'key') return keyIds.has(id)
  if (kind === 'app') return appIds.has(id)
  return incident.apps.some((a) => appIds.has(a)) || incident.keys.some((k) => keyIds.has(k))
}

/**
 * Scores the incidents of a run against the episodes planted in it. An incident of detector D
 * is a true positive when it concerns an episode planted for D; it is expected, and counts
 * neither way, when it concerns an episode whose misuse sets D off by nature (a jailbreak run
 * probes the filter); otherwise it is a false positive, on a normal subject or on a planted
 * application outside its misuse.
 */
export function scoreDetections(input: {
  readonly detectors: readonly string[]
  readonly episodes: readonly ResolvedEpisode[]
  readonly incidents: readonly ScoredIncident[]
  /** Ids of the applications and keys planted for misuse (the rest are normal). */
  readonly plantedIds: ReadonlySet<string>
}): DetectionScore {
  const firstDetection = new Map<number, number>()
  const alsoRaised = new Map<number, Set<string>>()
  const falsePositives: FalsePositive[] = []
  const tallies = new Map(
    input.detectors.map((d) => [d, { incidents: 0, truePositives: 0, alsoExpected: 0 }]),
  )

  for (const incident of input.incidents) {
    const tally = tallies.get(incident.detector) ?? {
      incidents: 0,
      truePositives: 0,
      alsoExpected: 0,
    }
    tallies.set(incident.detector, tally)
    tally.incidents += 1
    const own = input.episodes.filter(
      (r) => r.episode.kind === incident.detector && concerns(incident, r),
    )
    if (own.length > 0) {
      tally.truePositives += 1
      for (const { episode } of own) {
        const seconds = (incident.firstSeenAt - episode.start) / 1000
        const before = firstDetection.get(episode.index)
        if (before === undefined || seconds < before) firstDetection.set(episode.index, seconds)
      }
      continue
    }
    const expected = input.episodes.filter(
      (r) =>
        (r.episode.alsoExpected as readonly string[]).includes(incident.detector) &&
        concerns(incident, r),
    )
    if (expected.length > 0) {
      tally.alsoExpected += 1
      for (const { episode } of expected) {
        const set = alsoRaised.get(episode.index) ?? new Set<string>()
        set.add(incident.detector)
        alsoRaised.set(episode.index, set)
      }
      continue
    }
    const { kind, id } = incident.subject
    const onNormalSubject =
      kind === 'cluster'
        ? !incident.apps.some((a) => input.plantedIds.has(a)) &&
          !incident.keys.some((k) => input.plantedIds.has(k))
        : !input.plantedIds.has(id)
    falsePositives.push({
      detector: incident.detector,
      subject: incident.subject,
      onNormalSubject,
      severity: incident.severity,
      summary: incident.summary,
      firstSeenAt: incident.firstSeenAt,
    })
  }

  const detectors = [...tallies.entries()].map(([detector, tally]): DetectorScore => {
    const planted = input.episodes.filter((r) => r.episode.kind === detector)
    const times = planted
      .map((r) => firstDetection.get(r.episode.index))
      .filter((t): t is number => t !== undefined)
    const falses = falsePositives.filter((f) => f.detector === detector)
    const judged = tally.truePositives + falses.length
    return {
      detector,
      planted: planted.length,
      detected: times.length,
      recall: planted.length === 0 ? null : times.length / planted.length,
      incidents: tally.incidents,
      truePositives: tally.truePositives,
      alsoExpected: tally.alsoExpected,
      falsePositives: falses.length,
      precision: judged === 0 ? null : tally.truePositives / judged,
      medianSecondsToDetect: median(times),
      maxSecondsToDetect: times.length === 0 ? null : Math.max(...times),
      onNormalSubjects: falses.filter((f) => f.onNormalSubject).length,
    }
  })

  const episodes = input.episodes.map(({ episode }): EpisodeOutcome => ({
    index: episode.index,
    kind: episode.kind,
    summary: episode.summary,
    start: episode.start,
    secondsToDetect: firstDetection.get(episode.index) ?? null,
    alsoRaised: [...(alsoRaised.get(episode.index) ?? [])].sort(),
  }))
  return { detectors, falsePositives, episodes }
}
