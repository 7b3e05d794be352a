import { z } from 'zod'
import type { UsageEvent } from '../../domain/index.js'
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
import { createSubjectTable, type SubjectTable } from './subject-table.js'

const MINUTE_MS = 60_000

export const jailbreakRunOptions = z.strictObject({
  window_minutes: z
    .number()
    .int()
    .positive()
    .max(24 * 60)
    .default(10),
  /** Requests with an injection finding from one key in the window that make a run. */
  min_attempts_per_key: z.number().int().positive().default(5),
  /** …and from one application, across its keys. */
  min_attempts_per_app: z.number().int().positive().default(10),
  /** This many times the minimum, or more, is `high`. */
  high_factor: z.number().min(1).default(3),
  max_subjects: z.number().int().positive().default(20_000),
})
export type JailbreakRunOptions = z.infer<typeof jailbreakRunOptions>

interface Run {
  readonly window: MinuteWindow
  readonly alarm: AlarmState
  samples: string[]
}

/**
 * Jailbreak runs: repeated prompt-injection findings (the content filter's `prompt_injection`
 * category at its threshold) from one key, or from one application across its keys.
 */
export function createJailbreakRunDetector(options: JailbreakRunOptions): Detector {
  const windowMs = options.window_minutes * MINUTE_MS
  const table = (): SubjectTable<Run> =>
    createSubjectTable<Run>({
      maxSubjects: options.max_subjects,
      idleMs: windowMs,
      create: () => ({
        window: createMinuteWindow(options.window_minutes),
        alarm: { ...NO_ALARM },
        samples: [],
      }),
    })
  const tables = { key: table(), app: table() }

  function check(
    kind: 'key' | 'app',
    id: string,
    event: Readonly<UsageEvent>,
  ): IncidentCandidate | null {
    const run = tables[kind].touch(id, event.at)
    run.window.add(event.at, 0)
    addSample(run.samples, event.requestId)
    const attempts = run.window.sum(event.at, 0)
    const minimum = kind === 'key' ? options.min_attempts_per_key : options.min_attempts_per_app
    if (attempts < minimum) return null
    const severity = attempts >= minimum * options.high_factor ? 'high' : 'medium'
    if (!alarmDue(run.alarm, event.at, severity)) return null
    return {
      detector: 'jailbreak_run',
      subject: { kind, id },
      orgId: event.orgId,
      appId: event.appId,
      keyId: kind === 'key' ? event.keyId : null,
      severity,
      summary: `${attempts} requests with prompt-injection findings from this ${kind === 'key' ? 'API key' : 'application'} in ${options.window_minutes} minutes.`,
      evidence: {
        counts: { injection_attempts: attempts, minimum },
        window: { from: event.at - windowMs, to: event.at },
        sampleRequestIds: [...run.samples],
      },
      at: event.at,
    }
  }

  return {
    id: 'jailbreak_run',
    observe(event) {
      if (!event.injection) return []
      const out: IncidentCandidate[] = []
      if (event.keyId !== null) {
        const found = check('key', event.keyId, event)
        if (found) out.push(found)
      }
      if (event.appId !== null) {
        const found = check('app', event.appId, event)
        if (found) out.push(found)
      }
      return out
    },
    size: () => tables.key.size() + tables.app.size(),
  }
}

export const jailbreakRunDetectorKind: DetectorKind<JailbreakRunOptions> = {
  kind: 'jailbreak_run',
  options: jailbreakRunOptions,
  create: createJailbreakRunDetector,
}
