import { z } from 'zod'
import type { UsageEvent } from '../../domain/index.js'
import {
  addSample,
  alarmDue,
  minuteOf,
  NO_ALARM,
  type AlarmState,
  type Detector,
  type DetectorKind,
  type IncidentCandidate,
} from './detector.js'
import { createSubjectTable, type SubjectTable } from './subject-table.js'

const MINUTE_MS = 60_000
/** Empty minutes folded into a baseline one by one at most; beyond, it has decayed to nothing. */
const MAX_FOLDED_MINUTES = 24 * 60

export const volumeSpikeOptions = z.strictObject({
  /** Watch keys, applications, or both. */
  scopes: z
    .array(z.enum(['key', 'app']))
    .min(1)
    .default(['key', 'app']),
  /** Requests in the last 60 s below which nothing is a spike, whatever the baseline. */
  min_requests_per_minute: z.number().int().positive().default(60),
  /** A spike is this many times the subject's usual rate a minute (its moving average)… */
  factor: z.number().min(1).default(5),
  /** …and this many standard deviations above it. */
  deviations: z.number().min(0).default(6),
  /** How fast the baseline forgets: the weight of a minute halves after this many minutes. */
  half_life_minutes: z.number().positive().default(60),
  /**
   * Minutes of history a subject needs before its baseline is trusted; until then the floor is
   * `min_requests_per_minute` times `factor`, so a brand-new key still alarms on a flood.
   */
  min_history_minutes: z.number().int().min(0).default(15),
  /** A spike at this many times the threshold is `high`, else `medium`. */
  high_factor: z.number().min(1).default(3),
  /** Subjects tracked at most per scope; the idlest go first. */
  max_subjects: z.number().int().positive().default(20_000),
})
export type VolumeSpikeOptions = z.infer<typeof volumeSpikeOptions>

interface Baseline {
  /** The current minute (its start, Unix ms) and its count. */
  minute: number
  count: number
  /** The previous minute's count, for a sliding 60-second rate. */
  previous: number
  /** Exponentially weighted mean and variance of requests a minute, over closed minutes. */
  mean: number
  variance: number
  /** Closed minutes folded into the baseline. */
  history: number
  /** The last alarm: at most one candidate a minute, unless its severity rises. */
  alarm: AlarmState
  samples: string[]
}

/**
 * Volume spike: a key's or an application's requests in the last 60 seconds against its own
 * baseline (an exponentially weighted mean and variance of requests a minute), with an absolute
 * floor so a quiet application does not alarm on a handful of requests.
 */
export function createVolumeSpikeDetector(options: VolumeSpikeOptions): Detector {
  const alpha = 1 - 2 ** (-1 / options.half_life_minutes)
  const tables: Record<'key' | 'app', SubjectTable<Baseline>> = {
    key: table(),
    app: table(),
  }
  function table(): SubjectTable<Baseline> {
    return createSubjectTable<Baseline>({
      maxSubjects: options.max_subjects,
      idleMs: MAX_FOLDED_MINUTES * MINUTE_MS,
      create: (_id, at) => ({
        minute: minuteOf(at),
        count: 0,
        previous: 0,
        mean: 0,
        variance: 0,
        history: 0,
        alarm: { ...NO_ALARM },
        samples: [],
      }),
    })
  }

  /** Folds one closed minute's count into the baseline. */
  function fold(b: Baseline, count: number): void {
    const diff = count - b.mean
    const increment = alpha * diff
    b.mean += increment
    b.variance = (1 - alpha) * (b.variance + diff * increment)
    b.history += 1
  }

  function observeSubject(
    kind: 'key' | 'app',
    id: string,
    event: Readonly<UsageEvent>,
  ): IncidentCandidate | null {
    const b = tables[kind].touch(id, event.at)
    const minute = minuteOf(event.at)
    if (minute > b.minute) {
      const closed = Math.round((minute - b.minute) / MINUTE_MS)
      fold(b, b.count)
      for (let i = 1; i < Math.min(closed, MAX_FOLDED_MINUTES); i += 1) fold(b, 0)
      b.previous = closed === 1 ? b.count : 0
      b.count = 0
      b.minute = minute
    }
    if (minute === b.minute) b.count += 1
    else if (minute === b.minute - MINUTE_MS) b.previous += 1
    addSample(b.samples, event.requestId)

    // The last 60 seconds: this minute so far, and the part of the previous one still inside.
    const elapsed = (event.at - b.minute) / MINUTE_MS
    const rate = b.count + b.previous * Math.max(0, 1 - elapsed)
    const floor =
      b.history < options.min_history_minutes
        ? options.min_requests_per_minute * options.factor
        : options.min_requests_per_minute
    const threshold = Math.max(
      floor,
      options.factor * b.mean,
      b.mean + options.deviations * Math.sqrt(b.variance),
    )
    if (rate < threshold) return null
    const severity = rate >= threshold * options.high_factor ? 'high' : 'medium'
    if (!alarmDue(b.alarm, event.at, severity)) return null
    const noun = kind === 'key' ? 'API key' : 'application'
    return {
      detector: 'volume_spike',
      subject: { kind, id },
      orgId: event.orgId,
      appId: event.appId,
      keyId: kind === 'key' ? event.keyId : null,
      severity,
      summary: `The ${noun} sent ${Math.round(rate)} requests in a minute; its usual rate is ${b.mean.toFixed(1)} a minute.`,
      evidence: {
        counts: {
          requests_last_minute: Math.round(rate),
          threshold: Math.ceil(threshold),
          baseline_per_minute: Math.round(b.mean * 100) / 100,
          baseline_deviation: Math.round(Math.sqrt(b.variance) * 100) / 100,
          history_minutes: b.history,
        },
        window: { from: event.at - MINUTE_MS, to: event.at },
        sampleRequestIds: [...b.samples],
      },
      at: event.at,
    }
  }

  return {
    id: 'volume_spike',
    observe(event) {
      const out: IncidentCandidate[] = []
      for (const scope of options.scopes) {
        const id = scope === 'key' ? event.keyId : event.appId
        if (id === null) continue
        const found = observeSubject(scope, id, event)
        if (found !== null) out.push(found)
      }
      return out
    },
    size: () => tables.key.size() + tables.app.size(),
  }
}

export const volumeSpikeDetectorKind: DetectorKind<VolumeSpikeOptions> = {
  kind: 'volume_spike',
  options: volumeSpikeOptions,
  create: createVolumeSpikeDetector,
}
