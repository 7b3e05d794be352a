import type { Command } from 'commander'
import type { AdminRole } from '../../access/index.js'
import { toInvitedUserDto } from '../../contract/index.js'
import type { CliProgram } from '../main.js'
import { CliError, output, withServices } from '../context.js'
import { orgIdOf } from './org.js'

const ROLES: Readonly<Record<string, AdminRole>> = {
  admin: 'admin',
  reviewer: 'reviewer',
  owner: 'org_owner',
  developer: 'org_developer',
}

/** `warden user invite|list`. */
export function registerUserCommands(program: Command, cli: CliProgram): void {
  const user = program
    .command('user')
    .description('invite and list people: staff (admin, reviewer) and organization members')

  user
    .command('invite')
    .description('invite a person; prints a one-time sign-in token, valid 7 days')
    .requiredOption('--role <role>', 'admin | reviewer (staff), owner | developer (with --org)')
    .requiredOption('--username <name>', 'what they sign in with, e.g. an e-mail address')
    .option('--org <name-or-id>', 'the organization of an owner or developer')
    .option('--json', 'print JSON: {"id","username","role","org_id","invite_token","expires_at"}')
    .action(async (opts: { role: string; username: string; org?: string; json?: boolean }) => {
      const role = ROLES[opts.role]
      if (!role) throw new CliError(`--role must be one of ${Object.keys(ROLES).join(', ')}`)
      await withServices(cli.globals(), async (s) => {
        let orgId: string | null = null
        if (opts.org !== undefined) {
          const org = await s.organizations.findOrganization(opts.org)
          if (!org) throw new CliError(`no organization "${opts.org}"`)
          orgId = org.id
        }
        const invited = await s.adminUsers.invite({
          username: opts.username,
          role,
          orgId,
          actor: 'cli',
        })
        const { host, port } = s.config.server
        const base =
          s.config.server.publicUrl ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`
        output(
          opts.json === true,
          toInvitedUserDto(invited),
          [
            `Invited ${invited.user.username} as ${opts.role}. Their one-time sign-in token, valid 7 days, shown only once:`,
            `  ${invited.token}`,
            `They sign in with: curl -s -X POST ${base}/api/admin/login -H 'content-type: application/json' -d '{"token":"${invited.token}"}'`,
            'then set a password with POST /api/admin/password.',
          ].join('\n'),
        )
      })
    })

  user
    .command('list')
    .description('list people, staff and members')
    .option('--org <name-or-id>', 'only the members of this organization')
    .option('--json', 'print JSON')
    .action(async (opts: { org?: string; json?: boolean }) => {
      await withServices(cli.globals(), async (s) => {
        const orgId = await orgIdOf(s, opts.org)
        const users = await s.adminUsers.listUsers(orgId === undefined ? {} : { orgId })
        output(
          opts.json === true,
          users.map((u) => ({ id: u.id, username: u.username, role: u.role, org_id: u.orgId })),
          users
            .map((u) => `${u.id}  ${u.username}  ${u.role}${u.orgId ? `  ${u.orgId}` : ''}`)
            .join('\n') || 'no users',
        )
      })
    })
}
