import type { Command } from 'commander'
import type { LimitLevelPath, LimitOverridesDto } from '../../contract/index.js'
import type { LimitName, LimitOverrides, LimitValues } from '../../domain/index.js'
import type { Services } from '../../services.js'
import type { CliProgram } from '../main.js'
import { CliError, output, withServices } from '../context.js'
import { findApp, orgIdOf } from './org.js'

const ACTOR = 'cli'

/** The options that name the level, as every `warden limits` command takes them. */
interface TargetOptions {
  org?: string
  app?: string
  key?: string
  json?: boolean
}

interface SetOptions extends TargetOptions {
  model?: string
  rpm?: string
  tpm?: string
  tpd?: string
  concurrent?: string
}

/** Each limit's flag. */
const FLAGS: ReadonlyArray<[keyof SetOptions, LimitName]> = [
  ['rpm', 'requests_per_minute'],
  ['tpm', 'tokens_per_minute'],
  ['tpd', 'tokens_per_day'],
  ['concurrent', 'concurrent_requests'],
]

/** `warden limits set|show|clear`: the limits of one organization, application or key. */
export function registerLimitCommands(program: Command, cli: CliProgram): void {
  const limits = program
    .command('limits')
    .description(
      "set, show and clear the limits of an organization, an application (over its tier's) or a key",
    )
  const target = (command: Command) =>
    command
      .option('--org <name-or-id>', 'the organization (alone: its limits)')
      .option('--app <name-or-id>', "an application of --org (its limits replace its tier's)")
      .option('--key <id-or-prefix>', 'an API key')
      .option('--json', 'print JSON: {"level", "id", "overrides"}')

  target(limits.command('set'))
    .description('set some limits, keeping the others; running servers apply them at once')
    .option('--model <pattern>', 'only for the models this pattern matches (gpt-4o, gpt-4o*)')
    .option('--rpm <n>', 'requests per minute')
    .option('--tpm <n>', 'tokens per minute')
    .option('--tpd <n>', 'tokens per day (the day starts at 00:00 UTC)')
    .option('--concurrent <n>', 'requests at once')
    .action(async (opts: SetOptions) => {
      const values = valuesOf(opts)
      await withServices(cli.globals(), async (s) => {
        const { level, id } = await targetOf(s, opts)
        const current = (await s.limitOverrides.get(level, id)) ?? {}
        const next = merged(current, opts.model, values)
        const stored = await s.limitOverrides.set(level, id, next, ACTOR)
        show(opts, { level, id, overrides: stored })
      })
    })

  target(limits.command('show'))
    .description('show the limits set (an application without any follows its tier)')
    .action(async (opts: TargetOptions) => {
      await withServices(cli.globals(), async (s) => {
        const { level, id } = await targetOf(s, opts)
        show(opts, { level, id, overrides: await s.limitOverrides.get(level, id) })
      })
    })

  target(limits.command('clear'))
    .description('remove every limit set (an application follows its tier again)')
    .action(async (opts: TargetOptions) => {
      await withServices(cli.globals(), async (s) => {
        const { level, id } = await targetOf(s, opts)
        await s.limitOverrides.clear(level, id, ACTOR)
        show(opts, { level, id, overrides: null })
      })
    })
}

/** The limits the flags give; at least one. */
function valuesOf(opts: SetOptions): LimitValues {
  const values: Partial<Record<LimitName, number>> = {}
  for (const [flag, name] of FLAGS) {
    const text = opts[flag]
    if (text === undefined) continue
    const value = Number(text)
    if (!Number.isInteger(value) || value < 1) {
      throw new CliError(`--${flag} must be a whole number of at least 1`)
    }
    values[name] = value
  }
  if (Object.keys(values).length === 0) {
    throw new CliError('give at least one of --rpm, --tpm, --tpd, --concurrent')
  }
  return values
}

/** `current` with `values` set for every model, or for `model`'s pattern. */
function merged(
  current: LimitOverrides,
  model: string | undefined,
  values: LimitValues,
): LimitOverrides {
  if (model === undefined) return { ...current, limits: { ...current.limits, ...values } }
  const models = current.models ?? {}
  return { ...current, models: { ...models, [model]: { ...models[model], ...values } } }
}

/** The level and id the options name: `--key`, else `--org` with `--app`, else `--org`. */
async function targetOf(
  s: Services,
  opts: TargetOptions,
): Promise<{ level: LimitOverridesDto['level']; id: string }> {
  if (opts.key !== undefined) {
    if (opts.org !== undefined || opts.app !== undefined) {
      throw new CliError('--key names a key on its own; leave out --org and --app')
    }
    const found = await s.apiKeys.findKey(opts.key)
    if (!found) throw new CliError(`no API key "${opts.key}"`)
    return { level: 'key', id: found.id }
  }
  if (opts.org === undefined) throw new CliError('name what to limit: --org [--app], or --key')
  if (opts.app !== undefined) {
    const { app } = await findApp(s, opts.org, opts.app)
    return { level: 'app', id: app.id }
  }
  return { level: 'org', id: (await orgIdOf(s, opts.org)) as string }
}

const NOUNS: Readonly<Record<LimitOverridesDto['level'], LimitLevelPath>> = {
  key: 'keys',
  app: 'applications',
  org: 'organizations',
}

function show(opts: TargetOptions, dto: LimitOverridesDto): void {
  const where = `${NOUNS[dto.level].slice(0, -1)} ${dto.id}`
  output(opts.json === true, dto, `${where}: ${describe(dto.overrides)}`)
}

/** Overrides in one line: `requests_per_minute 100; gpt-4o*: tokens_per_minute 5000`. */
function describe(overrides: LimitOverrides | null): string {
  if (overrides === null) return 'no limits set'
  const values = (v: LimitValues | undefined) =>
    Object.entries(v ?? {})
      .map(([name, value]) => `${name} ${value}`)
      .join(', ')
  const parts = [
    ...(overrides.limits ? [values(overrides.limits)] : []),
    ...Object.entries(overrides.models ?? {}).map(([pattern, v]) => `${pattern}: ${values(v)}`),
  ]
  return parts.join('; ')
}
