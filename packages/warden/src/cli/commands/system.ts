import type { Command } from 'commander'
import { start } from '../../start.js'
import { CliError, output, withServices } from '../context.js'

/** `warden start`, `warden migrate`, `warden audit verify`. */
export function registerSystemCommands(program: Command): void {
  program
    .command('start')
    .description('start the gateway (the same as npm start)')
    .action(() => start())

  program
    .command('migrate')
    .description('bring the database schema up to date')
    .action(async () => {
      await withServices((s) => {
        output(false, null, `Database ${s.store.description} is up to date.`)
        return Promise.resolve()
      })
    })

  const audit = program.command('audit').description('the hash-chained audit log')
  audit
    .command('verify')
    .description('check that no audit entry was edited or removed (exit 1 if one was)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      await withServices(async (s) => {
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
