import type { Command } from 'commander'
import { toAuditVerificationDto } from '../../contract/index.js'
import { start } from '../../start.js'
import type { CliProgram } from '../main.js'
import { CliError, output, withServices } from '../context.js'

/** `warden start`, `warden migrate`, `warden audit verify`. */
export function registerSystemCommands(program: Command, cli: CliProgram): void {
  program
    .command('start')
    .description('start the gateway (the same as npm start)')
    .action(async () => {
      await start(cli.globals())
      cli.onServing()
    })

  program
    .command('migrate')
    .description('bring the database schema up to date (the server also does this at start)')
    .option('--json', 'print JSON: {"database", "applied": [migration names]}')
    .action(async (opts: { json?: boolean }) => {
      await withServices(
        cli.globals(),
        async (s) => {
          const applied = await s.store.migrate()
          const human =
            applied.length === 0
              ? `Database ${s.store.description} is already up to date.`
              : [
                  `Applied ${applied.length} migration${applied.length === 1 ? '' : 's'} to ${s.store.description}:`,
                  ...applied.map((name) => `  ${name}`),
                ].join('\n')
          output(opts.json === true, { database: s.store.description, applied }, human)
        },
        { migrate: false },
      )
    })

  const audit = program.command('audit').description('the hash-chained, checkpointed audit log')
  audit
    .command('verify')
    .description(
      'check the chain and its signed checkpoints: exit 1, naming the entry, if one was edited, removed or rewritten',
    )
    .option('--json', 'print JSON: {"ok", "checked", "checkpoints", "problems", "warnings"}')
    .action(async (opts: { json?: boolean }) => {
      await withServices(cli.globals(), async (s) => {
        const result = await s.auditLog.verify()
        const summary = `${result.checked} entries, ${result.checkpoints} checkpoints`
        const human = [
          result.ok ? `audit log intact: ${summary}` : `audit log BROKEN (${summary} checked):`,
          ...result.problems.map((p) => `  entry ${p.seq}: ${p.problem}`),
          ...result.warnings.map((w) => `warning: ${w}`),
        ].join('\n')
        output(opts.json === true, toAuditVerificationDto(result), human)
        if (!result.ok) throw new CliError('', 1)
      })
    })
}
