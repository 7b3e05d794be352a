import type { Command } from 'commander'
import {
  checkDetectionGoals,
  runSimulation,
  type GoalCheck,
  type SimulationReport,
} from '../../simulation/index.js'
import { CliError, output } from '../context.js'

interface SimulateOptions {
  seed: string
  apps: string
  requests?: string
  hours?: string
  episodes: string
  normalOnly?: boolean
  json?: boolean
  databaseUrl?: string
}

/** Normal requests of a default run, over its default day. */
const DEFAULT_REQUESTS = 20_000
const DEFAULT_HOURS = 24

/** A whole number in [min, max] from a flag, or a one-line error naming the flag. */
function wholeNumber(flag: string, text: string, min: number, max: number): number {
  const value = Number(text)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new CliError(`--${flag} must be a whole number from ${min} to ${max}, not "${text}"`)
  }
  return value
}

const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`
const count = (n: number) => n.toLocaleString('en-US')
const ratio = (value: number | null) => (value === null ? '-' : value.toFixed(2))
const seconds = (value: number | null) => (value === null ? '-' : `${Math.round(value)} s`)

/** The report as a person reads it: the run, a table per detector, the goals, what went wrong. */
function describe(report: SimulationReport, goals: readonly GoalCheck[]): string {
  const r = report.requests
  const hours = Math.round((report.end - report.start) / 3_600_000)
  const statuses = Object.entries(r.byStatus)
    .map(([status, n]) => `${status} x ${count(n)}`)
    .join(', ')
  const lines = [
    `Simulated ${hours} hours from ${iso(report.start)} (seed ${report.seed}, ${report.database}).`,
    `  applications: ${report.apps.normal} normal, ${report.apps.planted} planted for misuse`,
    `  requests: ${count(r.normal)} normal, ${count(r.plantedEveryday)} everyday use of planted applications, ${count(r.abusive)} abusive (${statuses})`,
    '',
  ]
  const header = [
    'detector',
    'planted',
    'detected',
    'recall',
    'precision',
    'incidents',
    'true',
    'expected',
    'false',
    'on normal',
    'median ttd',
    'max ttd',
  ]
  const rows = report.score.detectors.map((d) => [
    d.detector,
    String(d.planted),
    String(d.detected),
    ratio(d.recall),
    ratio(d.precision),
    String(d.incidents),
    String(d.truePositives),
    String(d.alsoExpected),
    String(d.falsePositives),
    String(d.onNormalSubjects),
    seconds(d.medianSecondsToDetect),
    seconds(d.maxSecondsToDetect),
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)))
  const format = (cells: readonly string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
  lines.push(format(header).join('  '), ...rows.map((row) => format(row).join('  ')))
  lines.push(
    '  (true: on an episode of its kind; expected: on misuse that sets it off by nature; ttd:',
    '  simulated time from the first abusive request to the first incident)',
    '',
    'Goals:',
    ...goals.map((g) => `  ${g.met ? 'met    ' : 'NOT MET'}  ${g.goal}: ${g.figures}`),
  )
  const falses = report.score.falsePositives
  if (falses.length > 0) {
    lines.push('', 'False positives:')
    for (const f of falses) {
      const subject = report.names[f.subject.id] ?? `${f.subject.kind} ${f.subject.id}`
      const where = f.onNormalSubject ? 'normal' : 'planted, outside its misuse'
      lines.push(`  ${iso(f.firstSeenAt)}  ${f.detector}  ${subject} (${where}): ${f.summary}`)
    }
  }
  if (report.score.episodes.length > 0) {
    lines.push('', 'Episodes:')
    for (const e of report.score.episodes) {
      const found =
        e.secondsToDetect === null ? 'MISSED' : `found in ${Math.round(e.secondsToDetect)} s`
      const also = e.alsoRaised.length > 0 ? ` (also: ${e.alsoRaised.join(', ')})` : ''
      lines.push(`  ${iso(e.start)}  ${e.kind}  ${found}${also}  ${e.summary}`)
    }
  }
  return lines.join('\n')
}

/** The report as JSON: wire names in snake_case, times in ISO 8601. */
function toJson(report: SimulationReport, goals: readonly GoalCheck[]) {
  const r = report.requests
  return {
    seed: report.seed,
    database: report.database,
    start: new Date(report.start).toISOString(),
    end: new Date(report.end).toISOString(),
    applications: report.apps,
    requests: {
      normal: r.normal,
      planted_everyday: r.plantedEveryday,
      abusive: r.abusive,
      sent: r.sent,
      by_status: r.byStatus,
    },
    detectors: report.score.detectors.map((d) => ({
      detector: d.detector,
      planted: d.planted,
      detected: d.detected,
      recall: d.recall,
      precision: d.precision,
      incidents: d.incidents,
      true_positives: d.truePositives,
      also_expected: d.alsoExpected,
      false_positives: d.falsePositives,
      false_on_normal_subjects: d.onNormalSubjects,
      median_seconds_to_detect: d.medianSecondsToDetect,
      max_seconds_to_detect: d.maxSecondsToDetect,
    })),
    goals: goals.map((g) => ({ goal: g.goal, met: g.met, figures: g.figures })),
    false_positives: report.score.falsePositives.map((f) => ({
      detector: f.detector,
      subject_kind: f.subject.kind,
      subject_id: f.subject.id,
      subject: report.names[f.subject.id] ?? null,
      on_normal_subject: f.onNormalSubject,
      severity: f.severity,
      summary: f.summary,
      first_seen_at: new Date(f.firstSeenAt).toISOString(),
    })),
    episodes: report.score.episodes.map((e) => ({
      kind: e.kind,
      summary: e.summary,
      start: new Date(e.start).toISOString(),
      seconds_to_detect: e.secondsToDetect,
      also_raised: e.alsoRaised,
    })),
  }
}

/** `warden simulate`: synthetic traffic with planted misuse through a real Warden, scored. */
export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description(
      'drive synthetic traffic, with planted misuse of every kind the detectors look for, through a ' +
        'real Warden on a simulated clock, and print how each detector did: precision, recall, ' +
        'time to detect. It starts its own Warden (default policy and thresholds, on a scratch ' +
        'database) and its own simulated upstream model on loopback ports; your warden.yaml and ' +
        'database are not used.',
    )
    .option('--seed <text>', 'the seed: the same seed gives the same traffic and figures', '1')
    .option('--apps <n>', 'normal applications', '50')
    .option(
      '--requests <n>',
      `requests of the normal applications (default ${DEFAULT_REQUESTS} per ${DEFAULT_HOURS} hours)`,
    )
    .option('--hours <n>', `simulated hours (default ${DEFAULT_HOURS})`)
    .option('--episodes <n>', 'episodes planted of each kind of misuse', '5')
    .option('--normal-only', 'plant no misuse: every incident is a false positive')
    .option('--json', 'print the report as JSON')
    .option(
      '--database-url <url>',
      'run on PostgreSQL (postgres://…), in a schema of its own that is dropped at the end; ' +
        'default: a temporary SQLite file',
    )
    .action(async (opts: SimulateOptions) => {
      const apps = wholeNumber('apps', opts.apps, 1, 2_000)
      const hours =
        opts.hours === undefined
          ? DEFAULT_HOURS
          : wholeNumber('hours', opts.hours, 1, 14 * DEFAULT_HOURS)
      const requests =
        opts.requests === undefined
          ? Math.round((DEFAULT_REQUESTS * hours) / DEFAULT_HOURS)
          : wholeNumber('requests', opts.requests, 0, 2_000_000)
      const episodes = opts.normalOnly ? 0 : wholeNumber('episodes', opts.episodes, 0, 100)
      const databaseUrl = opts.databaseUrl
      if (databaseUrl !== undefined && !/^postgres(ql)?:\/\/./.test(databaseUrl)) {
        throw new CliError('--database-url must be a PostgreSQL URL: postgres://…')
      }
      const began = performance.now()
      const report = await runSimulation({
        seed: opts.seed,
        apps,
        requests,
        hours,
        episodesPerKind: episodes,
        ...(databaseUrl === undefined ? {} : { databaseUrl }),
        // Warden's own warnings (none in a healthy run) go where the progress goes.
        log: process.stderr,
        onProgress: (sent, total) => {
          const elapsed = Math.round((performance.now() - began) / 1000)
          process.stderr.write(
            `warden simulate: ${count(sent)} of ${count(total)} requests sent (${elapsed} s)\n`,
          )
        },
      })
      const goals = checkDetectionGoals(report.score)
      output(opts.json === true, toJson(report, goals), describe(report, goals))
      const elapsed = ((performance.now() - began) / 1000).toFixed(1)
      process.stderr.write(`warden simulate: done in ${elapsed} s of real time\n`)
    })
}
