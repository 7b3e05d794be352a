import { z } from 'zod'
import {
  addSample,
  alarmDue,
  NO_ALARM,
  type AlarmState,
  type Detector,
  type DetectorKind,
  type IncidentCandidate,
} from './detector.js'
import { createSubjectTable } from './subject-table.js'

const MINUTE_MS = 60_000

export const keySharingOptions = z.strictObject({
  window_minutes: z
    .number()
    .int()
    .positive()
    .max(24 * 60)
    .default(10),
  /** Distinct client addresses (IPv6 counted by /64) one key may come from in the window. */
  max_sources: z.number().int().min(2).default(8),
  /** Distinct `User-Agent`s one key may send in the window. */
  max_user_agents: z.number().int().min(2).default(6),
  /** Twice as many as allowed, or more, is `high`; over the limit is `medium`. */
  high_factor: z.number().min(1).default(2),
  max_subjects: z.number().int().positive().default(50_000),
})
export type KeySharingOptions = z.infer<typeof keySharingOptions>

interface Seen {
  /** When each value was last seen: bounded, the stalest dropped first. */
  readonly sources: Map<string, number>
  readonly agents: Map<string, number>
  readonly alarm: AlarmState
  samples: string[]
}

/** Records `value` as seen at `at`; true when it is new to the window. */
function see(map: Map<string, number>, value: string, at: number, since: number, cap: number) {
  const last = map.get(value)
  if (last !== undefined) map.delete(value)
  map.set(value, Math.max(at, last ?? at))
  if (map.size > cap) {
    const stalest = map.keys().next().value
    if (stalest !== undefined) map.delete(stalest)
  }
  return last === undefined || last < since
}

function countSince(map: ReadonlyMap<string, number>, since: number): number {
  let n = 0
  for (const at of map.values()) if (at >= since) n += 1
  return n
}

/**
 * Key sharing or a leaked key: one API key used from more client addresses, or with more user
 * agents, within a window than one application's servers account for.
 */
export function createKeySharingDetector(options: KeySharingOptions): Detector {
  const windowMs = options.window_minutes * MINUTE_MS
  // Enough to see twice the limit, the `high` mark, and no more.
  const cap = (limit: number) => Math.ceil(limit * options.high_factor) + 2
  const keys = createSubjectTable<Seen>({
    maxSubjects: options.max_subjects,
    idleMs: windowMs,
    create: () => ({ sources: new Map(), agents: new Map(), alarm: { ...NO_ALARM }, samples: [] }),
  })

  return {
    id: 'key_sharing',
    observe(event) {
      const { keyId } = event
      if (keyId === null) return []
      const seen = keys.touch(keyId, event.at)
      addSample(seen.samples, event.requestId)
      const since = event.at - windowMs
      const newSource =
        event.clientSource !== null &&
        see(seen.sources, event.clientSource, event.at, since, cap(options.max_sources))
      const newAgent =
        event.userAgent !== null &&
        see(seen.agents, event.userAgent, event.at, since, cap(options.max_user_agents))
      // The counts only grow when something new arrives: count only then.
      if (!newSource && !newAgent) return []
      const sources = countSince(seen.sources, since)
      const agents = countSince(seen.agents, since)
      const over = Math.max(sources / options.max_sources, agents / options.max_user_agents)
      if (over <= 1) return []
      const severity = over >= options.high_factor ? 'high' : 'medium'
      if (!alarmDue(seen.alarm, event.at, severity)) return []
      const candidate: IncidentCandidate = {
        detector: 'key_sharing',
        subject: { kind: 'key', id: keyId },
        orgId: event.orgId,
        appId: event.appId,
        keyId,
        severity,
        summary: `The API key was used from ${sources} client addresses with ${agents} user agents in ${options.window_minutes} minutes: it may be shared or leaked.`,
        evidence: {
          counts: {
            distinct_sources: sources,
            distinct_user_agents: agents,
            max_sources: options.max_sources,
            max_user_agents: options.max_user_agents,
          },
          window: { from: since, to: event.at },
          sampleRequestIds: [...seen.samples],
          details: {
            sources: [...seen.sources.entries()].filter(([, at]) => at >= since).map(([s]) => s),
          },
        },
        at: event.at,
      }
      return [candidate]
    },
    size: () => keys.size(),
  }
}

export const keySharingDetectorKind: DetectorKind<KeySharingOptions> = {
  kind: 'key_sharing',
  options: keySharingOptions,
  create: createKeySharingDetector,
}
