import { createDetectors, type IncidentCandidate } from '../monitoring/detectors/index.js'
import { createUsageFeed } from '../monitoring/usage-feed.js'
import type { Services } from '../services.js'
import type { ScoredIncident } from './detection-score.js'

/** The simulation's view of monitoring: read the feed now, and the incidents raised so far. */
export interface Watch {
  tick(): Promise<void>
  incidents(): Promise<ScoredIncident[]>
}

/** Evidence names applications and keys as `{ id, count }` lists in its details. */
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

/** TEMPORARY: detectors on the usage feed until the monitor lands; one incident per subject. */
export function createWatch(services: Services): Watch {
  const detectors = createDetectors(services.policyVersions.snapshot().document.monitoring)
  const first = new Map<string, IncidentCandidate>()
  const feed = createUsageFeed({
    store: services.store,
    name: 'simulation',
    holder: 'simulation',
    now: services.now,
    leaseMs: 3_600_000,
    batchSize: 1000,
    maxBatches: 1_000_000,
    warmupEvents: 0,
    consumer: {
      warm() {},
      consume(events) {
        for (const event of events) {
          for (const detector of detectors) {
            for (const candidate of detector.observe(event)) {
              const key = `${candidate.detector}/${candidate.subject.kind}/${candidate.subject.id}`
              if (!first.has(key)) first.set(key, candidate)
            }
          }
        }
        return Promise.resolve()
      },
      committed: () => Promise.resolve(),
    },
  })
  return {
    async tick() {
      await feed.tick()
    },
    incidents: () =>
      Promise.resolve(
        [...first.values()].map((c) => ({
          detector: c.detector,
          subject: c.subject,
          severity: c.severity,
          summary: c.summary,
          firstSeenAt: c.at,
          apps: idsIn(c.evidence.details, 'applications'),
          keys: idsIn(c.evidence.details, 'keys'),
        })),
      ),
  }
}
