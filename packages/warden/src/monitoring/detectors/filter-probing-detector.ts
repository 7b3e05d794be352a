import { z } from 'zod'
import type { UsageEvent } from '../../domain/index.js'
import {
  addSample,
  alarmDue,
  NO_ALARM,
  type AlarmState,
  type Detector,
  type DetectorKind,
} from './detector.js'
import { createMinuteWindow, type MinuteWindow } from './minute-window.js'
import { createSubjectTable } from './subject-table.js'

const MINUTE_MS = 60_000
const REQUESTS = 0
const HITS = 1

export const filterProbingOptions = z.strictObject({
  window_minutes: z
    .number()
    .int()
    .positive()
    .max(24 * 60)
    .default(15),
  /** Requests an application must have sent in the window before its share counts. */
  min_requests: z.number().int().positive().default(30),
  /** The share of blocked or flagged requests that is too high whatever the peers do… */
  min_share: z.number().min(0).max(1).default(0.35),
  /** …and how many times the other applications' share it must also be. */
  peer_factor: z.number().min(1).default(4),
  /** A share at or above this is `high`. */
  high_share: z.number().min(0).max(1).default(0.6),
  max_subjects: z.number().int().positive().default(20_000),
})
export type FilterProbingOptions = z.infer<typeof filterProbingOptions>

interface Probe {
  readonly window: MinuteWindow
  readonly alarm: AlarmState
  samples: string[]
}

/**
 * Whether the content filter blocked or flagged the request for harm. A redaction is routine, and
 * so is personal data: a support desk's prompts carry customers' e-mail addresses all day, which
 * the default policy flags, and that is not probing.
 */
function isHit(event: Readonly<UsageEvent>): boolean {
  return event.harmAction === 'block' || event.harmAction === 'flag'
}

/**
 * Filter probing: an application whose requests the content filter blocks or flags far more
 * often than its peers', over a window, once it has sent enough requests for the share to mean
 * something.
 */
export function createFilterProbingDetector(options: FilterProbingOptions): Detector {
  const windowMs = options.window_minutes * MINUTE_MS
  const all = createMinuteWindow(options.window_minutes, 2)
  const apps = createSubjectTable<Probe>({
    maxSubjects: options.max_subjects,
    idleMs: windowMs,
    create: () => ({
      window: createMinuteWindow(options.window_minutes, 2),
      alarm: { ...NO_ALARM },
      samples: [],
    }),
  })

  return {
    id: 'filter_probing',
    observe(event) {
      const { appId } = event
      if (appId === null) return []
      const hit = isHit(event)
      const probe = apps.touch(appId, event.at)
      probe.window.add(event.at, REQUESTS)
      all.add(event.at, REQUESTS)
      if (!hit) return []
      probe.window.add(event.at, HITS)
      all.add(event.at, HITS)
      addSample(probe.samples, event.requestId)
      const requests = probe.window.sum(event.at, REQUESTS)
      if (requests < options.min_requests) return []
      const hits = probe.window.sum(event.at, HITS)
      const share = hits / requests
      const peerRequests = all.sum(event.at, REQUESTS) - requests
      const peerShare = peerRequests > 0 ? (all.sum(event.at, HITS) - hits) / peerRequests : 0
      if (share < Math.max(options.min_share, peerShare * options.peer_factor)) return []
      const severity = share >= options.high_share ? 'high' : 'medium'
      if (!alarmDue(probe.alarm, event.at, severity)) return []
      const percent = (value: number) => `${Math.round(value * 100)}%`
      return [
        {
          detector: 'filter_probing',
          subject: { kind: 'app', id: appId },
          orgId: event.orgId,
          appId,
          keyId: null,
          severity,
          summary: `The content filter blocked or flagged ${percent(share)} of the application's ${requests} requests in ${options.window_minutes} minutes (other applications: ${percent(peerShare)}).`,
          evidence: {
            counts: {
              requests,
              blocked_or_flagged: hits,
              share: Math.round(share * 1000) / 1000,
              peer_share: Math.round(peerShare * 1000) / 1000,
              peer_requests: peerRequests,
            },
            window: { from: event.at - windowMs, to: event.at },
            sampleRequestIds: [...probe.samples],
          },
          at: event.at,
        },
      ]
    },
    size: () => apps.size(),
  }
}

export const filterProbingDetectorKind: DetectorKind<FilterProbingOptions> = {
  kind: 'filter_probing',
  options: filterProbingOptions,
  create: createFilterProbingDetector,
}
