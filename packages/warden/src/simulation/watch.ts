import { detectorKinds } from '../monitoring/index.js'
import type { Services } from '../services.js'
import type { ScoredIncident } from './detection-score.js'

/** The simulation's hold on monitoring: read the feed now, and the incidents raised so far. */
export interface Watch {
  /** Reads every usage event written so far, as the server's monitor does on its timer. */
  tick(): Promise<void>
  incidents(): Promise<ScoredIncident[]>
}

/** The most incidents the admin API lists at once: a detector past it is reported at it. */
const LIST_LIMIT = 500

/** Evidence names a cluster's applications and keys as `{ id, count }` lists in its details. */
function idsIn(details: Readonly<Record<string, unknown>> | undefined, name: string): string[] {
  const list = details?.[name]
  if (!Array.isArray(list)) return []
  return list
    .map((entry: unknown) =>
      typeof entry === 'object' && entry !== null && 'id' in entry && typeof entry.id === 'string'
        ? entry.id
        : null,
    )
    .filter((id): id is string => id !== null)
}

/**
 * Drives the server's own monitor (its detectors, incidents and mitigations, as the policy sets
 * them) from the simulation instead of its timer, so that it reads the feed at fixed points of
 * simulated time, and reads back the incidents it raised.
 */
export function createWatch(services: Services): Watch {
  return {
    async tick() {
      // A tick reads a bounded number of batches: go on until the feed is drained.
      for (;;) {
        const done = await services.monitor.tick()
        if (!done.held || done.consumed === 0) return
      }
    },
    async incidents() {
      const out: ScoredIncident[] = []
      for (const detector of Object.keys(detectorKinds)) {
        const listed = await services.incidents.list({ detector, limit: LIST_LIMIT })
        for (const incident of listed) {
          out.push({
            detector: incident.detector,
            subject: incident.subject,
            severity: incident.severity,
            summary: incident.summary,
            firstSeenAt: incident.firstSeenAt,
            apps: idsIn(incident.evidence.details, 'applications'),
            keys: idsIn(incident.evidence.details, 'keys'),
          })
        }
      }
      // Oldest first, whatever order the list gave.
      return out.sort(
        (a, b) => a.firstSeenAt - b.firstSeenAt || a.detector.localeCompare(b.detector),
      )
    },
  }
}
