import type { Command } from 'commander'
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

  const audit = program.command('audit').description('the hash-chained audit log')
  audit
    .command('verify')
    .description('check that no audit entry was edited or removed (exit 1 if one was)')
    .option('--json', 'print JSON: {"ok", "checked", "problems"}')
    .action(async (opts: { json?: boolean }) => {
      await withServices(cli.globals(), async (s) => {
        const result = await s.auditLog.verify()
        const human = result.ok
          ? `audit log intact: ${result.checked} entries`
          : [
              `audit log BROKEN (${result.checked} entries checked):`,
              ...result.problems.map((p) => `  entry ${p.seq}: ${p.problem}`),
            ].join('\n')
        output(opts.json === true, result, human)
        if (!result.ok) throw new CliError('', 1)
      })
    })
}
