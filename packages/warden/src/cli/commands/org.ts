import type { Command } from 'commander'
import { toApplicationDto, toOrganizationDto } from '../../contract/index.js'
import type { Services } from '../../services.js'
import type { CliProgram } from '../main.js'
import { registerReviewCommands } from './review.js'
import { CliError, output, withServices } from '../context.js'
import { registerPrescreenCommand } from './prescreen.js'

/** `warden org create|list` and `warden app create|list`. */
export function registerOrgCommands(program: Command, cli: CliProgram): void {
  const org = program.command('org').description('manage organizations')
  org
    .command('create')
    .description('create an organization')
    .argument('<name>', 'its name: letters, digits, space, dot, dash or underscore')
    .option('--json', 'print JSON with the admin API fields')
    .action(async (name: string, opts: { json?: boolean }) => {
      await withServices(cli.globals(), async (s) => {
        const created = await s.organizations.createOrganization(name, 'cli')
        output(
          opts.json === true,
          toOrganizationDto(created),
          `Created organization ${created.name} (${created.id})`,
        )
      })
    })
  org
    .command('list')
    .description('list organizations, oldest first')
    .option('--json', 'print JSON with the admin API fields')
    .action(async (opts: { json?: boolean }) => {
      await withServices(cli.globals(), async (s) => {
        const orgs = (await s.organizations.listOrganizations()).map(toOrganizationDto)
        output(
          opts.json === true,
          orgs,
          orgs.map((o) => `${o.id}  ${o.name}`).join('\n') || 'no organizations',
        )
      })
    })

  const app = program.command('app').description('manage applications of an organization')
  registerReviewCommands(app, cli)
  registerPrescreenCommand(app, cli)
  app
    .command('create')
    .description('create an application in an organization')
    .requiredOption('--org <name-or-id>', 'the organization')
    .argument('<name>', 'its name: letters, digits, space, dot, dash or underscore')
    .option('--json', 'print JSON with the admin API fields')
    .action(async (name: string, opts: { org: string; json?: boolean }) => {
      await withServices(cli.globals(), async (s) => {
        const found = await s.organizations.findOrganization(opts.org)
        if (!found) throw new CliError(`no organization "${opts.org}"`)
        const created = await s.organizations.createApplication(found.id, name, 'cli')
        output(
          opts.json === true,
          toApplicationDto(created),
          `Created application ${created.name} (${created.id}) in ${found.name}`,
        )
      })
    })
  app
    .command('list')
    .description('list the applications of an organization, oldest first')
    .requiredOption('--org <name-or-id>', 'the organization')
    .option('--json', 'print JSON with the admin API fields')
    .action(async (opts: { org: string; json?: boolean }) => {
      await withServices(cli.globals(), async (s) => {
        const found = await s.organizations.findOrganization(opts.org)
        if (!found) throw new CliError(`no organization "${opts.org}"`)
        const apps = (await s.organizations.listApplications(found.id)).map(toApplicationDto)
        output(
          opts.json === true,
          apps,
          apps
            .map((a) => `${a.id}  ${a.name}  ${a.tier ?? 'default tier'}  ${a.status}`)
            .join('\n') || 'no applications',
        )
      })
    })
  app
    .command('set-tier')
    .description("set an application's tier in the usage policy directly, audited with a reason")
    .requiredOption('--org <name-or-id>', 'the organization')
    .requiredOption('--app <name-or-id>', 'the application')
    .requiredOption('--tier <id>', 'a tier id of the current usage policy (sandbox, production, …)')
    .requiredOption('--reason <text>', 'why, for the audit log')
    .option('--json', 'print JSON with the admin API fields')
    .action(
      async (opts: { org: string; app: string; tier: string; reason: string; json?: boolean }) => {
        await withServices(cli.globals(), async (s) => {
          const { org, app: found } = await findApp(s, opts.org, opts.app)
          const tier = await requireTier(s, opts.tier)
          const updated = await s.organizations.setTier(found.id, tier, {
            actor: 'cli',
            reason: opts.reason,
          })
          output(
            opts.json === true,
            toApplicationDto(updated),
            `${org.name}/${updated.name} is now in the ${tier} tier`,
          )
        })
      },
    )
}

/** The id of the organization named by `--org`, or undefined when none was given. */
export async function orgIdOf(s: Services, nameOrId: string | undefined) {
  if (nameOrId === undefined) return undefined
  const org = await s.organizations.findOrganization(nameOrId)
  if (!org) throw new CliError(`no organization "${nameOrId}"`)
  return org.id
}

/** An organization and one of its applications, by name or id; a CLI error when missing. */
export async function findApp(s: Services, orgIdOrName: string, appIdOrName: string) {
  const org = await s.organizations.findOrganization(orgIdOrName)
  if (!org) throw new CliError(`no organization "${orgIdOrName}"`)
  const app = await s.organizations.findApplication(org.id, appIdOrName)
  if (!app) throw new CliError(`no application "${appIdOrName}" in ${org.name}`)
  return { org, app }
}

/** A tier id of the current usage policy, or a CLI error that lists the ones there are. */
export async function requireTier(s: Services, tier: string): Promise<string> {
  const current = await s.policyVersions.current()
  const ids = current?.document.tiers.map((t) => t.id) ?? []
  if (!ids.includes(tier)) {
    throw new CliError(`no tier "${tier}" in the current usage policy (tiers: ${ids.join(', ')})`)
  }
  return tier
}
