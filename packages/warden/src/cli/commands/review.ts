import type { Command } from 'commander'
import { REVIEW_STATES, type ReviewState } from '../../access/index.js'
import { REVIEW_DECISIONS, toUseCaseApplicationDto } from '../../contract/index.js'
import type { CliProgram } from '../main.js'
import { CliError, output, withServices } from '../context.js'

const ACTOR = { kind: 'cli' } as const

function clausesOf(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean)
}

/** `warden app review list|show|decide|suspend|reinstate|revoke`, under `warden app`. */
export function registerReviewCommands(app: Command, cli: CliProgram): void {
  const review = app
    .command('review')
    .description('review use-case applications: list, show, decide, suspend, reinstate, revoke')

  review
    .command('list')
    .description('list use-case applications, newest first')
    .option('--state <state>', `only this state (${REVIEW_STATES.join(', ')})`)
    .option('--json', 'print JSON with the admin API fields')
    .action(async (opts: { state?: string; json?: boolean }) => {
      if (opts.state !== undefined && !(REVIEW_STATES as readonly string[]).includes(opts.state)) {
        throw new CliError(`--state must be one of ${REVIEW_STATES.join(', ')}`)
      }
      await withServices(cli.globals(), async (s) => {
        const list = (
          await s.useCaseApplications.list(
            opts.state === undefined ? {} : { state: opts.state as ReviewState },
          )
        ).map(toUseCaseApplicationDto)
        output(
          opts.json === true,
          list,
          list
            .map(
              (a) =>
                `${a.id}  ${a.state.padEnd(24)}  ${a.org_id}  ${a.prescreen?.outcome ?? '-'}  ${a.form.description.slice(0, 60)}`,
            )
            .join('\n') || 'no applications',
        )
      })
    })

  review
    .command('show')
    .description('show one application: the form, the pre-screen and its history')
    .argument('<id>', 'the application id (uca_…)')
    .option('--json', 'print JSON with the admin API fields')
    .action(async (id: string, opts: { json?: boolean }) => {
      await withServices(cli.globals(), async (s) => {
        const a = toUseCaseApplicationDto(await s.useCaseApplications.get(id, ACTOR))
        output(
          opts.json === true,
          a,
          [
            `${a.id}  ${a.state}  org ${a.org_id}  app ${a.app_id}`,
            `Description: ${a.form.description}`,
            `Pre-screen: ${a.prescreen ? `${a.prescreen.outcome}${a.prescreen.clauses.map((c) => `\n  ${c.id}: ${c.why}`).join('')}` : 'not run'}`,
            'History:',
            ...a.history.map(
              (e) =>
                `  ${new Date(e.at * 1000).toISOString()}  ${e.from} -> ${e.to}  ${e.actor}${e.clauses.length ? `  [${e.clauses.join(', ')}]` : ''}${e.reason ? `  ${e.reason}` : ''}`,
            ),
          ].join('\n'),
        )
      })
    })

  review
    .command('decide')
    .description('decide an application in review or on appeal')
    .argument('<id>', 'the application id (uca_…)')
    .requiredOption('--decision <decision>', REVIEW_DECISIONS.join(' | '))
    .requiredOption('--reason <text>', 'why, as the applicant will read it')
    .requiredOption('--clauses <ids>', 'comma-separated clause ids of the usage policy')
    .option('--tier <id>', 'the tier an approval grants (default: production)')
    .option('--conditions <text>', 'what an approval with conditions requires')
    .option('--json', 'print JSON with the admin API fields')
    .action(
      async (
        id: string,
        opts: {
          decision: string
          reason: string
          clauses: string
          tier?: string
          conditions?: string
          json?: boolean
        },
      ) => {
        const decision = REVIEW_DECISIONS.find((d) => d === opts.decision)
        if (!decision)
          throw new CliError(`--decision must be one of ${REVIEW_DECISIONS.join(', ')}`)
        await withServices(cli.globals(), async (s) => {
          const a = await s.useCaseApplications.decide(id, {
            decision,
            reason: opts.reason,
            clauses: clausesOf(opts.clauses),
            tier: opts.tier,
            conditions: opts.conditions,
            actor: ACTOR,
          })
          output(opts.json === true, toUseCaseApplicationDto(a), `${a.id} is now ${a.state}`)
        })
      },
    )

  for (const action of ['suspend', 'reinstate', 'revoke'] as const) {
    review
      .command(action)
      .description(`${action} an application's production access`)
      .argument('<id>', 'the application id (uca_…)')
      .requiredOption('--reason <text>', 'why, for the organization and the audit log')
      .option('--clauses <ids>', 'comma-separated clause ids of the usage policy')
      .option('--json', 'print JSON with the admin API fields')
      .action(async (id: string, opts: { reason: string; clauses?: string; json?: boolean }) => {
        await withServices(cli.globals(), async (s) => {
          const a = await s.useCaseApplications.setStanding(id, action, {
            reason: opts.reason,
            clauses: clausesOf(opts.clauses),
            actor: ACTOR,
          })
          output(opts.json === true, toUseCaseApplicationDto(a), `${a.id} is now ${a.state}`)
        })
      })
  }
}
