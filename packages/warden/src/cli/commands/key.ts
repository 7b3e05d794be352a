import type { Command } from 'commander'
import { toApiKeyDto } from '../../contract/index.js'
import { CliError, output, withServices } from '../context.js'

const ACTOR = 'cli'

/** `warden key create|list|revoke`. */
export function registerKeyCommands(program: Command): void {
  const key = program.command('key').description('create, list and revoke API keys')

  key
    .command('create')
    .description('create an API key, creating the organization and application when missing')
    .requiredOption('--org <name>', 'organization name or id')
    .requiredOption('--app <name>', 'application name or id')
    .option('--models <ids>', 'comma-separated model ids the key may use (default: all)')
    .option('--name <name>', 'a label for the key')
    .option('--expires-in-days <days>', 'days until the key stops working')
    .option('--json', 'print JSON: {"key", "org", "app", ...}')
    .action(
      async (opts: {
        org: string
        app: string
        models?: string
        name?: string
        expiresInDays?: string
        json?: boolean
      }) => {
        const days = opts.expiresInDays === undefined ? null : Number(opts.expiresInDays)
        if (days !== null && !(days > 0))
          throw new CliError('--expires-in-days must be a positive number')
        const models =
          opts.models === undefined
            ? null
            : opts.models
                .split(',')
                .map((m) => m.trim())
                .filter(Boolean)
        if (models !== null && models.length === 0)
          throw new CliError('--models needs at least one model id')
        await withServices(async (s) => {
          const org =
            (await s.organizations.findOrganization(opts.org)) ??
            (await s.organizations.createOrganization(opts.org, ACTOR))
          const app =
            (await s.organizations.findApplication(org.id, opts.app)) ??
            (await s.organizations.createApplication(org.id, opts.app, ACTOR))
          const created = await s.apiKeys.createKey({
            appId: app.id,
            orgId: org.id,
            name: opts.name ?? null,
            allowedModels: models,
            expiresAt: days === null ? null : s.now() + days * 86_400_000,
            actor: ACTOR,
          })
          output(
            opts.json === true,
            {
              key: created.key,
              org: org.name,
              app: app.name,
              id: created.info.id,
              prefix: created.info.prefix,
              models,
            },
            `Created key ${created.info.id} for ${org.name}/${app.name}. It is shown only once:\n${created.key}`,
          )
        })
      },
    )

  key
    .command('list')
    .description('list API keys (never the secrets)')
    .option('--org <name>', 'only this organization')
    .option('--json', 'print JSON')
    .action(async (opts: { org?: string; json?: boolean }) => {
      await withServices(async (s) => {
        let orgId: string | undefined
        if (opts.org !== undefined) {
          const org = await s.organizations.findOrganization(opts.org)
          if (!org) throw new CliError(`no organization "${opts.org}"`)
          orgId = org.id
        }
        const keys = (await s.apiKeys.listKeys(orgId === undefined ? {} : { orgId })).map(
          toApiKeyDto,
        )
        const lines = keys.map(
          (k) =>
            `${k.id}  ${k.prefix}…  ${k.revoked_at === null ? 'active ' : 'revoked'}  models=${k.models?.join(',') ?? '*'}`,
        )
        output(opts.json === true, keys, lines.join('\n') || 'no keys')
      })
    })

  key
    .command('revoke')
    .description('revoke an API key; its next request is refused')
    .argument('<id>', 'key id or display prefix')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      await withServices(async (s) => {
        const found = await s.apiKeys.findKey(id)
        if (!found) throw new CliError(`no API key "${id}"`)
        const revoked = await s.apiKeys.revokeKey(found.id, ACTOR)
        output(
          opts.json === true,
          toApiKeyDto(revoked),
          `Revoked ${revoked.id} (${revoked.prefix}…)`,
        )
      })
    })
}
