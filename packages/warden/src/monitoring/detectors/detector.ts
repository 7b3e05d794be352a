import type { z } from 'zod'
import type { UsageEvent } from '../../domain/index.js'

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const
/** How bad an incident looks; the policy's `monitoring.actions` decide what each one sets off. */
export type Severity = (typeof SEVERITIES)[number]

export const SUBJECT_KINDS = ['key', 'app', 'cluster'] as const
/** What an incident is about: one API key, one application, or a cluster of near-identical texts. */
export type SubjectKind = (typeof SUBJECT_KINDS)[number]

/** What a detector saw: plain numbers and ids, never a text. */
export interface Evidence {
  /** Named counts (`requests`, `distinct_sources`, `blocked`, …). */
  readonly counts: Readonly<Record<string, number>>
  /** The window the counts cover, Unix ms. */
  readonly window: { readonly from: number; readonly to: number }
  /** A few request ids to look up (at most 10). */
  readonly sampleRequestIds: readonly string[]
  /** Anything else worth showing: thresholds met, the baseline, the keys of a cluster. */
  readonly details?: Readonly<Record<string, unknown>>
}

/** What a detector yields when a subject crosses its thresholds. */
export interface IncidentCandidate {
  /** The detector's id (its kind). */
  readonly detector: string
  readonly subject: { readonly kind: SubjectKind; readonly id: string }
  /** The owners of the subject, where known: what mitigations act on. */
  readonly orgId: string | null
  readonly appId: string | null
  readonly keyId: string | null
  readonly severity: Severity
  /** One line a person reads first. */
  readonly summary: string
  readonly evidence: Evidence
  /** When the detector saw it: the `at` of the event that crossed the line. */
  readonly at: number
}

/**
 * Watches usage events for one kind of misuse. `observe` is synchronous and does no I/O: the
 * event's own `at` is the detector's clock (the newest `at` seen, as events from several
 * replicas arrive a little out of order), so a detector can be driven by a simulation on any
 * clock and replays the same way twice. Memory is bounded: per subject, and in the number of
 * subjects (idle ones are evicted first).
 */
export interface Detector {
  readonly id: string
  /** Sees one event; returns what it makes of it, usually nothing. */
  observe(event: Readonly<UsageEvent>): readonly IncidentCandidate[]
  /** Subjects tracked now. */
  size(): number
}

/** A kind of detector: its options schema (the policy's `monitoring.detectors.<kind>`) and a factory. */
export interface DetectorKind<Options> {
  readonly kind: string
  readonly options: z.ZodType<Options>
  create(options: Options): Detector
}

/** Request ids kept as samples in evidence. */
export const MAX_SAMPLES = 10

const MINUTE_MS = 60_000

/** The start of the minute `at` falls in. */
export function minuteOf(at: number): number {
  return Math.floor(at / MINUTE_MS) * MINUTE_MS
}

/** Adds `id` to a list of samples, keeping the newest {@link MAX_SAMPLES}. */
export function addSample(samples: string[], id: string): void {
  samples.push(id)
  if (samples.length > MAX_SAMPLES) samples.shift()
}

const RANK: Readonly<Record<Severity, number>> = { low: 0, medium: 1, high: 2, critical: 3 }

/** When a subject last alarmed, and how badly: see {@link alarmDue}. */
export interface AlarmState {
  /** The minute (its start, Unix ms) of the last alarm; -1 for never. */
  alarmed: number
  /** The rank of that alarm's severity. */
  rank: number
}

/** A subject that never alarmed. */
export const NO_ALARM = { alarmed: -1, rank: -1 } as const

/**
 * Whether a subject should alarm at `at` with `severity`: at most once a minute, unless the
 * severity rose within the minute (a spike that keeps growing goes from medium to high at
 * once). Records the alarm when it is due.
 */
export function alarmDue(state: AlarmState, at: number, severity: Severity): boolean {
  const minute = minuteOf(at)
  const rank = RANK[severity]
  if (state.alarmed === minute && rank <= state.rank) return false
  state.alarmed = minute
  state.rank = rank
  return true
}
