import type { MonitoringPolicy } from '../../policy/index.js'
import type { Detector, DetectorKind } from './detector.js'
import { filterProbingDetectorKind } from './filter-probing-detector.js'
import { jailbreakRunDetectorKind } from './jailbreak-run-detector.js'
import { keySharingDetectorKind } from './key-sharing-detector.js'
import { nearDuplicateDetectorKind } from './near-duplicate-detector.js'
import { sandboxAbuseDetectorKind } from './sandbox-abuse-detector.js'
import { volumeSpikeDetectorKind } from './volume-spike-detector.js'

export type {
  Detector,
  DetectorKind,
  Evidence,
  IncidentCandidate,
  Severity,
  SubjectKind,
} from './detector.js'
export { SEVERITIES, SUBJECT_KINDS } from './detector.js'
export { createSubjectTable } from './subject-table.js'
export type { SubjectTable } from './subject-table.js'

/** Detector kinds by the name the policy's `monitoring.detectors` uses. */
export type DetectorKinds = Readonly<Record<string, DetectorKind<unknown>>>

/** Every kind of detector: one line per kind. Each runs unless the policy turns it off. */
export const detectorKinds: DetectorKinds = {
  volume_spike: volumeSpikeDetectorKind,
  key_sharing: keySharingDetectorKind,
  filter_probing: filterProbingDetectorKind,
  near_duplicate: nearDuplicateDetectorKind,
  jailbreak_run: jailbreakRunDetectorKind,
  sandbox_abuse: sandboxAbuseDetectorKind,
}

/** A detector's entry in the policy less `enabled`: the options its kind's schema checks. */
function optionsOf(entry: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(entry).filter(([name]) => name !== 'enabled'))
}

/** What is wrong with a policy's `monitoring` section: one line per bad path, or none. */
export function monitoringProblems(
  monitoring: MonitoringPolicy,
  kinds: DetectorKinds = detectorKinds,
): string[] {
  const problems: string[] = []
  const known = Object.keys(kinds).join(', ')
  for (const [name, entry] of Object.entries(monitoring.detectors)) {
    const kind = kinds[name]
    if (kind === undefined) {
      problems.push(`monitoring.detectors.${name}: no such detector (known: ${known})`)
      continue
    }
    const parsed = kind.options.safeParse(optionsOf(entry))
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const path = ['monitoring', 'detectors', name, ...issue.path.map(String)].join('.')
        problems.push(`${path}: ${issue.message}`)
      }
    }
  }
  for (const name of Object.keys(monitoring.actions)) {
    if (kinds[name] === undefined) {
      problems.push(`monitoring.actions.${name}: no such detector (known: ${known})`)
    }
  }
  return problems
}

/**
 * The detectors a policy runs: every kind, with the policy's options, except those it turns off
 * (or all of them, when monitoring is off). Throws on options that do not validate; a published
 * policy has passed {@link monitoringProblems}.
 */
export function createDetectors(
  monitoring: MonitoringPolicy,
  kinds: DetectorKinds = detectorKinds,
): Detector[] {
  if (!monitoring.enabled) return []
  const problems = monitoringProblems(monitoring, kinds)
  if (problems.length > 0) throw new Error(`invalid monitoring policy: ${problems.join('; ')}`)
  const detectors: Detector[] = []
  for (const [name, kind] of Object.entries(kinds)) {
    const entry = monitoring.detectors[name]
    if (entry?.enabled === false) continue
    detectors.push(kind.create(kind.options.parse(optionsOf(entry ?? {}))))
  }
  return detectors
}
