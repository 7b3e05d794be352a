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
import { createMinuteWindow, type MinuteWindow } from './minute-window.js'
import { createSubjectTable } from './subject-table.js'

const MINUTE_MS = 60_000
const REFUSED = 0
const REQUESTS = 1

export const sandboxAbuseOptions = z.strictObject({
  window_minutes: z
    .number()
    .int()
    .positive()
    .max(24 * 60)
    .default(30),
  /** Minutes of the window in which the application was refused for its limits. */
  min_pinned_minutes: z.number().int().positive().default(10),
  /** The refusals that mean "at its limits". */
  limit_codes: z
    .array(z.string().min(1).max(64))
    .min(1)
    .default(['rate_limit_exceeded', 'insufficient_quota']),
  /** Pinned for this share of the window, or more, is `high`. */
  high_share: z.number().min(0).max(1).default(0.8),
  max_subjects: z.number().int().positive().default(20_000),
})
export type SandboxAbuseOptions = z.infer<typeof sandboxAbuseOptions>

interface Pinned {
  readonly window: MinuteWindow
  readonly alarm: AlarmState
  samples: string[]
}

/**
 * Sandbox abuse: an application in the policy's default (sandbox) tier pinned at its limits,
 * refused for them minute after minute: production traffic through a sandbox, or a scraper.
 */
export function createSandboxAbuseDetector(options: SandboxAbuseOptions): Detector {
  const windowMs = options.window_minutes * MINUTE_MS
  const codes = new Set(options.limit_codes)
  const apps = createSubjectTable<Pinned>({
    maxSubjects: options.max_subjects,
    idleMs: windowMs,
    create: () => ({
      window: createMinuteWindow(options.window_minutes, 2),
      alarm: { ...NO_ALARM },
      samples: [],
    }),
  })

  return {
    id: 'sandbox_abuse',
    observe(event) {
      const { appId } = event
      if (appId === null || !event.sandbox) return []
      const pinned = apps.touch(appId, event.at)
      pinned.window.add(event.at, REQUESTS)
      if (event.errorCode === null || !codes.has(event.errorCode)) return []
      pinned.window.add(event.at, REFUSED)
      addSample(pinned.samples, event.requestId)
      const minutes = pinned.window.minutesWith(event.at, REFUSED)
      if (minutes < options.min_pinned_minutes) return []
      const severity = minutes >= options.window_minutes * options.high_share ? 'high' : 'medium'
      if (!alarmDue(pinned.alarm, event.at, severity)) return []
      const candidate: IncidentCandidate = {
        detector: 'sandbox_abuse',
        subject: { kind: 'app', id: appId },
        orgId: event.orgId,
        appId,
        keyId: null,
        severity,
        summary: `The sandbox application hit its limits in ${minutes} of the last ${options.window_minutes} minutes.`,
        evidence: {
          counts: {
            pinned_minutes: minutes,
            refused: pinned.window.sum(event.at, REFUSED),
            requests: pinned.window.sum(event.at, REQUESTS),
          },
          window: { from: event.at - windowMs, to: event.at },
          sampleRequestIds: [...pinned.samples],
          details: { tier: event.tier },
        },
        at: event.at,
      }
      return [candidate]
    },
    size: () => apps.size(),
  }
}

export const sandboxAbuseDetectorKind: DetectorKind<SandboxAbuseOptions> = {
  kind: 'sandbox_abuse',
  options: sandboxAbuseOptions,
  create: createSandboxAbuseDetector,
}
