import type { Command } from 'commander'
import {
  incidentListQuerySchema,
  toIncidentDto,
  toIncidentNoteDto,
  toMitigationDto,
  type IncidentDetailDto,
  type IncidentDto,
} from '../../contract/index.js'
import type { IncidentMove } from '../../monitoring/index.js'
import type { Services } from '../../services.js'
import type { CliProgram } from '../main.js'
import { CliError, output, withServices } from '../context.js'

const ACTOR = 'cli'

const time = (seconds: number | null) =>
  seconds === null ? '-' : new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ')

/** One line of `incident list`. */
function line(i: IncidentDto): string {
  return `${i.id}  ${i.severity.padEnd(8)}  ${i.status.padEnd(12)}  ${i.detector.padEnd(14)}  ${i.subject.kind} ${i.subject.id}  x${i.occurrences}  ${time(i.last_seen_at)}`
}

async function detail(s: Services, id: string): Promise<IncidentDetailDto> {
  return {
    ...toIncidentDto(await s.incidents.get(id)),
    notes: (await s.incidents.notes(id)).map(toIncidentNoteDto),
    mitigations: (await s.mitigations.of(id)).map(toMitigationDto),
  }
}

/** What `incident show` prints for a person. */
function describe(i: IncidentDetailDto): string {
  return [
    `${i.id}  ${i.severity}  ${i.status}${i.owner ? `  owner ${i.owner}` : ''}`,
    `${i.detector} on ${i.subject.kind} ${i.subject.id}  (org ${i.org_id ?? '-'}, app ${i.app_id ?? '-'}, key ${i.key_id ?? '-'})`,
    i.summary,
    `Seen ${i.occurrences} times, ${time(i.first_seen_at)} to ${time(i.last_seen_at)} UTC`,
    `Evidence: ${Object.entries(i.evidence.counts)
      .map(([name, value]) => `${name}=${value}`)
      .join(' ')}`,
    `  window ${time(i.evidence.window.from)} to ${time(i.evidence.window.to)}; requests ${i.evidence.sample_request_ids.join(' ')}`,
    'Mitigations:',
    ...(i.mitigations.length === 0
      ? ['  none']
      : i.mitigations.map(
          (m) =>
            `  ${m.id}  ${m.kind.padEnd(11)}  ${m.state.padEnd(7)}  ${m.level} ${m.target_id}${m.expires_at ? `  until ${time(m.expires_at)}` : ''}${m.error ? `  (${m.error})` : ''}`,
        )),
    'Notes:',
    ...(i.notes.length === 0
      ? ['  none']
      : i.notes.map((n) => `  ${time(n.at)}  ${n.author}: ${n.text}`)),
  ].join('\n')
}

/** `warden incident list|show|ack|mitigate|close|note|lift`: what monitoring raised. */
export function registerIncidentCommands(program: Command, cli: CliProgram): void {
  const incident = program
    .command('incident')
    .description('incidents monitoring raised: list, show, acknowledge, mitigate, close, lift')

  incident
    .command('list')
    .description('list incidents, most recently updated first')
    .option('--status <status>', 'open, acknowledged, mitigated or closed')
    .option('--detector <kind>', 'volume_spike, key_sharing, filter_probing, …')
    .option('--severity <severity>', 'low, medium, high or critical')
    .option('--subject <kind:id>', 'only incidents about this key, app or cluster (key:key_…)')
    .option('--org <name-or-id>', "only this organization's incidents")
    .option('--limit <n>', 'at most this many (default 100)')
    .option('--json', 'print JSON with the admin API fields')
    .action(
      async (opts: {
        status?: string
        detector?: string
        severity?: string
        subject?: string
        org?: string
        limit?: string
        json?: boolean
      }) => {
        const [kind, ...rest] = opts.subject?.split(':') ?? []
        const parsed = incidentListQuerySchema.safeParse({
          ...(opts.status === undefined ? {} : { status: opts.status }),
          ...(opts.detector === undefined ? {} : { detector: opts.detector }),
          ...(opts.severity === undefined ? {} : { severity: opts.severity }),
          ...(opts.subject === undefined ? {} : { subject_kind: kind, subject_id: rest.join(':') }),
          ...(opts.limit === undefined ? {} : { limit: opts.limit }),
        })
        if (!parsed.success) {
          const issue = parsed.error.issues[0]
          throw new CliError(
            `--${String(issue?.path[0] ?? 'option').replace('_', '-')}: ${issue?.message ?? 'invalid'}`,
          )
        }
        const q = parsed.data
        await withServices(cli.globals(), async (s) => {
          let orgId: string | undefined
          if (opts.org !== undefined) {
            const org = await s.organizations.findOrganization(opts.org)
            if (!org) throw new CliError(`no organization "${opts.org}"`)
            orgId = org.id
          }
          const list = (
            await s.incidents.list({
              ...(q.status ? { status: q.status } : {}),
              ...(q.detector ? { detector: q.detector } : {}),
              ...(q.severity ? { severity: q.severity } : {}),
              ...(q.subject_kind ? { subjectKind: q.subject_kind } : {}),
              ...(q.subject_id ? { subjectId: q.subject_id } : {}),
              ...(orgId === undefined ? {} : { orgId }),
              limit: q.limit,
            })
          ).map(toIncidentDto)
          output(opts.json === true, list, list.map(line).join('\n') || 'no incidents')
        })
      },
    )

  incident
    .command('show')
    .description('show one incident: its evidence, mitigations and notes')
    .argument('<id>', 'the incident id (inc_…)')
    .option('--json', 'print JSON with the admin API fields')
    .action(async (id: string, opts: { json?: boolean }) => {
      await withServices(cli.globals(), async (s) => {
        const found = await detail(s, id)
        output(opts.json === true, found, describe(found))
      })
    })

  const moves: ReadonlyArray<{ name: string; move: IncidentMove; description: string }> = [
    { name: 'ack', move: 'acknowledge', description: 'acknowledge an open incident (you own it)' },
    { name: 'mitigate', move: 'mitigate', description: 'mark an incident mitigated' },
    {
      name: 'close',
      move: 'close',
      description: 'close an incident; --lift undoes its mitigations',
    },
  ]
  for (const { name, move, description } of moves) {
    const command = incident
      .command(name)
      .description(description)
      .argument('<id>', 'the incident id (inc_…)')
      .option('--note <text>', 'a note left on the incident')
      .option('--owner <name>', 'who owns it from now on')
      .option('--json', 'print JSON with the admin API fields')
    if (move === 'close') command.option('--lift', 'also lift every mitigation still applied')
    command.action(
      async (
        id: string,
        opts: { note?: string; owner?: string; lift?: boolean; json?: boolean },
      ) => {
        await withServices(cli.globals(), async (s) => {
          await s.incidents.move(id, move, {
            actor: ACTOR,
            ...(opts.note === undefined ? {} : { note: opts.note }),
            ...(opts.owner === undefined ? {} : { owner: opts.owner }),
          })
          if (opts.lift === true) {
            await s.mitigations.liftAll(id, {
              actor: ACTOR,
              reason: opts.note ?? 'lifted when the incident was closed',
            })
          }
          const after = await detail(s, id)
          output(opts.json === true, after, `${after.id} is ${after.status}`)
        })
      },
    )
  }

  incident
    .command('note')
    .description('leave a note on an incident')
    .argument('<id>', 'the incident id (inc_…)')
    .argument('<text>', 'the note')
    .option('--json', 'print JSON with the admin API fields')
    .action(async (id: string, text: string, opts: { json?: boolean }) => {
      await withServices(cli.globals(), async (s) => {
        const note = toIncidentNoteDto(await s.incidents.addNote(id, ACTOR, text))
        output(opts.json === true, note, `Noted on ${id}`)
      })
    })

  incident
    .command('lift')
    .description('undo a mitigation: lift a suspension, restore limits a throttle tightened')
    .argument('<mitigation-id>', 'the mitigation id (mit_…), as incident show lists them')
    .requiredOption('--reason <text>', 'why, for the audit log')
    .option('--json', 'print JSON with the admin API fields')
    .action(async (id: string, opts: { reason: string; json?: boolean }) => {
      await withServices(cli.globals(), async (s) => {
        const m = toMitigationDto(
          await s.mitigations.lift(id, { actor: ACTOR, reason: opts.reason }),
        )
        output(
          opts.json === true,
          m,
          `Lifted ${m.kind} on ${m.level} ${m.target_id}${m.error ? ` (${m.error})` : ''}`,
        )
      })
    })
}
