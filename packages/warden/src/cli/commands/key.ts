import type { Command } from 'commander'
import { toApiKeyDto, type ApiKeyDto } from '../../contract/index.js'
import type { Services } from '../../services.js'
import type { CliProgram } from '../main.js'
import { CliError, output, warn, withServices } from '../context.js'
import { orgIdOf, requireTier } from './org.js'

const ACTOR = 'cli'
/** How long `key create --models` waits for an upstream's model list. */
const MODEL_CHECK_TIMEOUT_MS = 3_000

/** `warden key create|list|revoke`. */
export function registerKeyCommands(program: Command, cli: CliProgram): void {
  const key = program.command('key').description('create, list and revoke API keys')

  key
    .command('create')
    .description('create an API key, creating the organization and application when missing')
    .requiredOption('--org <name-or-id>', 'the organization (created when no such name exists)')
    .requiredOption('--app <name-or-id>', 'the application (created when no such name exists)')
    .option('--models <ids>', 'comma-separated model ids the key may use (default: all)')
    .option('--name <name>', 'a label for the key')
    .option('--expires-in-days <days>', 'days until the key stops working (default: never)')
    .option(
      '--tier <id>',
      "also put the application in this tier of the usage policy; a non-default tier records the organization's acceptance of the current policy on your authority",
    )
    .option('--json', 'print JSON: {"key", ...the admin API key fields}')
    .action(
      async (opts: {
        org: string
        app: string
        models?: string
        name?: string
        expiresInDays?: string
        tier?: string
        json?: boolean
      }) => {
        const days = opts.expiresInDays === undefined ? null : Number(opts.expiresInDays)
        if (days !== null && !(days > 0))
          throw new CliError('--expires-in-days must be a positive number')
        const models = parseModels(opts.models)
        await withServices(cli.globals(), async (s) => {
          const org =
            (await s.organizations.findOrganization(opts.org)) ??
            (await s.organizations.createOrganization(notAnId(opts.org, 'organization'), ACTOR))
          const app =
            (await s.organizations.findApplication(org.id, opts.app)) ??
            (await s.organizations.createApplication(
              org.id,
              notAnId(opts.app, `application in ${org.name}`),
              ACTOR,
            ))
          if (opts.tier !== undefined) await applyTier(s, org.id, app.id, opts.tier)
          const created = await s.apiKeys.createKey({
            appId: app.id,
            orgId: org.id,
            name: opts.name ?? null,
            allowedModels: models,
            expiresAt: days === null ? null : s.now() + days * 86_400_000,
            actor: ACTOR,
          })
          if (models !== null) await warnUnknownModels(s, models)
          output(
            opts.json === true,
            { key: created.key, ...toApiKeyDto(created.info) },
            `Created key ${created.info.id} for ${org.name}/${app.name}. It is shown only once:\n${created.key}`,
          )
        })
      },
    )

  key
    .command('list')
    .description('list API keys with their organization, application and expiry (never secrets)')
    .option('--org <name-or-id>', 'only this organization')
    .option('--json', 'print JSON with the admin API fields')
    .action(async (opts: { org?: string; json?: boolean }) => {
      await withServices(cli.globals(), async (s) => {
        const orgId = await orgIdOf(s, opts.org)
        const keys = (await s.apiKeys.listKeys(orgId === undefined ? {} : { orgId })).map(
          toApiKeyDto,
        )
        const names = await namesOf(s)
        const lines = keys.map((k) => describeKey(k, names, s.now()))
        output(opts.json === true, keys, lines.join('\n') || 'no keys')
      })
    })

  key
    .command('revoke')
    .description('revoke an API key; its next request is refused')
    .argument('<id>', 'key id or display prefix')
    .option('--json', 'print JSON with the admin API fields')
    .action(async (id: string, opts: { json?: boolean }) => {
      await withServices(cli.globals(), async (s) => {
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

/** `key create --tier`: the tier, audited, and for a non-default tier the policy acceptance. */
async function applyTier(s: Services, orgId: string, appId: string, tier: string): Promise<void> {
  await requireTier(s, tier)
  await s.organizations.setTier(appId, tier, {
    actor: ACTOR,
    reason: 'set with warden key create --tier',
  })
  const current = await s.policyVersions.current()
  const isDefault = current?.document.tiers.find((t) => t.id === tier)?.default === true
  if (!isDefault) await s.policyVersions.accept(orgId, ACTOR)
}

/** A missing `--org`/`--app` is created by name; one given as an id must already exist. */
function notAnId(nameOrId: string, what: string): string {
  if (/^(org|app)_[A-Za-z0-9_-]{16}$/.test(nameOrId))
    throw new CliError(`no ${what} with id ${nameOrId}`)
  return nameOrId
}

function parseModels(text: string | undefined): string[] | null {
  if (text === undefined) return null
  const models = text
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean)
  if (models.length === 0) throw new CliError('--models needs at least one model id')
  return models
}

/**
 * Warns about model ids that neither the config nor any passthrough upstream knows; the key is
 * created all the same (the model may come later). Upstreams get a short time to answer.
 */
async function warnUnknownModels(s: Services, models: readonly string[]): Promise<void> {
  const known = new Set(s.config.models.map((m) => m.id))
  const candidates = models.filter((m) => !known.has(m))
  if (candidates.length === 0) return
  const passthrough = Object.entries(s.config.providers)
    .filter(([, p]) => p.passthroughModels)
    .flatMap(([name]) => (s.providers[name] ? [s.providers[name]] : []))
  const lists = await Promise.all(
    passthrough.map((p) =>
      p.listModels(AbortSignal.timeout(MODEL_CHECK_TIMEOUT_MS)).catch(() => null),
    ),
  )
  const answered = lists.filter((l): l is string[] => l !== null)
  if (passthrough.length > 0 && answered.length === 0) {
    warn(
      `could not check model ${candidates.join(', ')}: no upstream answered its model list; the key was created`,
    )
    return
  }
  for (const list of answered) list.forEach((id) => known.add(id))
  const unknown = candidates.filter((m) => !known.has(m))
  if (unknown.length > 0) {
    warn(
      `unknown model${unknown.length === 1 ? '' : 's'} ${unknown.map((m) => `"${m}"`).join(', ')}: not configured and not listed by any upstream; the key was created and allows it`,
    )
  }
}

/** Organization and application names by id, for human output. */
async function namesOf(s: Services): Promise<ReadonlyMap<string, string>> {
  const names = new Map<string, string>()
  for (const org of await s.organizations.listOrganizations()) {
    names.set(org.id, org.name)
    for (const app of await s.organizations.listApplications(org.id)) names.set(app.id, app.name)
  }
  return names
}

function describeKey(k: ApiKeyDto, names: ReadonlyMap<string, string>, now: number): string {
  const state =
    k.revoked_at !== null
      ? 'revoked'
      : k.expires_at !== null && k.expires_at * 1000 <= now
        ? 'expired'
        : 'active '
  const expiry =
    k.expires_at === null
      ? 'expires never'
      : `expires ${new Date(k.expires_at * 1000).toISOString().slice(0, 10)}`
  const owner = `${names.get(k.org_id) ?? k.org_id}/${names.get(k.app_id) ?? k.app_id}`
  return `${k.id}  ${k.prefix}…  ${owner}  ${state}  ${expiry}  models=${k.models?.join(',') ?? '*'}`
}
