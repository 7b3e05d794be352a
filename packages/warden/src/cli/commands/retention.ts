import type { Command } from 'commander'
import type { CliProgram } from '../main.js'
import { output, withServices } from '../context.js'

/** `warden retention purge`: what the server's hourly purge does, once, now. */
export function registerRetentionCommands(program: Command, cli: CliProgram): void {
  const retention = program
    .command('retention')
    .description("the texts kept under the usage policy's retention")

  retention
    .command('purge')
    .description(
      "delete the kept texts and hashes past the current usage policy's retention, and say how many",
    )
    .option('--json', 'print {"texts","hashes","policy_version"} as JSON')
    .action(async (opts: { json?: boolean }) => {
      await withServices(cli.globals(), async (s) => {
        const purged = await s.contentRetention.purge()
        const policy = s.policyVersions.snapshot()
        const { flagged_content_days: days, unflagged_content: unflagged } =
          policy.document.retention
        output(
          opts.json === true,
          { texts: purged.texts, hashes: purged.hashes, policy_version: policy.version },
          `Purged ${purged.texts} kept texts and ${purged.hashes} hashes under policy version ` +
            `${policy.version} (flagged_content_days ${days}, unflagged_content ${unflagged}).`,
        )
      })
    })
}
