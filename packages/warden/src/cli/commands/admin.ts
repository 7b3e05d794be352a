import type { Command } from 'commander'
import type { CliProgram } from '../main.js'
import { output, withServices } from '../context.js'

/** `warden admin token`. */
export function registerAdminCommands(program: Command, cli: CliProgram): void {
  const admin = program.command('admin').description('the admin user of the admin API')
  admin
    .command('token')
    .description(
      'issue a new one-time login token for the admin user (the previous one stops working); shown once',
    )
    .option('--json', 'print JSON: {"username", "token", "expires_at"}')
    .action(async (opts: { json?: boolean }) => {
      await withServices(cli.globals(), async (s) => {
        const issued = await s.adminUsers.issueToken('cli')
        const { host, port } = s.config.server
        const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
        output(
          opts.json === true,
          {
            username: issued.username,
            token: issued.token,
            expires_at: Math.floor(issued.expiresAt / 1000),
          },
          [
            `One-time login token for admin user "${issued.username}", valid 24 h; it is shown only once:`,
            `  ${issued.token}`,
            `Sign in:  curl -s -X POST ${url}/api/admin/login -H 'content-type: application/json' -d '{"token":"${issued.token}"}'`,
          ].join('\n'),
        )
      })
    })
}
