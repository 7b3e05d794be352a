import type { Command } from 'commander'
import { dailyUsageQuerySchema } from '../../contract/index.js'
import { usageView, usageViewJson, type UsageLine } from '../../limits/index.js'
import { dailyUsage } from '../../monitoring/index.js'
import type { CliProgram } from '../main.js'
import { CliError, output, withServices } from '../context.js'
import { findApp } from './org.js'

interface UsageOptions {
  org: string
  app?: string
  daily?: boolean
  from?: string
  to?: string
  json?: boolean
}

const DAY_MS = 86_400_000

/** `--daily`: usage per application, day and model from the usage records, as the admin API. */
async function printDaily(cli: CliProgram, opts: UsageOptions): Promise<void> {
  const parsed = dailyUsageQuerySchema.safeParse({
    org: opts.org,
    ...(opts.app === undefined ? {} : { app: opts.app }),
    ...(opts.from === undefined ? {} : { from: opts.from }),
    ...(opts.to === undefined ? {} : { to: opts.to }),
  })
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new CliError(`--${String(issue?.path[0] ?? 'option')}: must be a day, YYYY-MM-DD`)
  }
  await withServices(cli.globals(), async (s) => {
    const org = await s.organizations.findOrganization(opts.org)
    if (!org) throw new CliError(`no organization "${opts.org}"`)
    const app = opts.app === undefined ? undefined : await findApp(s, org.id, opts.app)
    const to = parsed.data.to === undefined ? s.now() : Date.parse(`${parsed.data.to}T00:00:00Z`)
    const from =
      parsed.data.from === undefined
        ? to - 29 * DAY_MS
        : Date.parse(`${parsed.data.from}T00:00:00Z`)
    if (from > to) throw new CliError('--from must be on or before --to')
    const rows = await dailyUsage(s.store.db, {
      orgId: org.id,
      ...(app === undefined ? {} : { appId: app.app.id }),
      from,
      to,
    })
    const json = rows.map((r) => ({
      app_id: r.appId,
      day: r.day,
      model: r.model,
      requests: r.requests,
      ok: r.ok,
      refused: r.refused,
      errors: r.errors,
      prompt_tokens: r.promptTokens,
      completion_tokens: r.completionTokens,
      blocked_or_flagged: r.blockedOrFlagged,
    }))
    const human = rows.map(
      (r) =>
        `${r.day}  ${r.appId}  ${(r.model ?? '-').padEnd(24)}  ${r.requests} requests (${r.ok} ok, ${r.refused} refused, ${r.errors} errors)  ${r.promptTokens}+${r.completionTokens} tokens  ${r.blockedOrFlagged} blocked or flagged`,
    )
    output(opts.json === true, json, human.join('\n') || 'no usage in those days')
  })
}

const SHORT: Record<UsageLine['name'], string> = {
  requests_per_minute: 'rpm',
  tokens_per_minute: 'tpm',
  tokens_per_day: 'tpd',
  concurrent_requests: 'concurrent',
}

/** `rpm 3/20 (17 left)  tpm 120/10000 (9880 left)`, or `no limits`. */
function lines(limits: readonly UsageLine[]): string {
  if (limits.length === 0) return 'no limits of its own'
  return limits
    .map(
      (l) =>
        `${SHORT[l.name]}${l.model === null ? '' : `[${l.model}]`} ${l.used}/${l.limit} (${l.remaining} left)`,
    )
    .join('  ')
}

/** `warden usage`: what an organization, its applications and keys have used of their limits. */
export function registerUsageCommand(program: Command, cli: CliProgram): void {
  program
    .command('usage')
    .description(
      'what an organization, its applications and its keys have used of their limits now, and what is left',
    )
    .requiredOption('--org <name-or-id>', 'the organization')
    .option('--app <name-or-id>', 'only this application and its keys')
    .option('--daily', 'usage per application, day and model from the usage records instead')
    .option(
      '--from <day>',
      'with --daily: the first day, YYYY-MM-DD (default: 29 days before --to)',
    )
    .option('--to <day>', 'with --daily: the last day, YYYY-MM-DD (default: today)')
    .option(
      '--json',
      'print the view as JSON, as GET /api/admin/usage (or /usage/daily) answers it',
    )
    .action(async (opts: UsageOptions) => {
      if (opts.daily === true) return printDaily(cli, opts)
      await withServices(
        cli.globals(),
        async (s) => {
          const limiter = s.limits?.limiter
          if (!limiter) throw new CliError('limits are off (limits.enabled: false)')
          // In-process counters live in the server's memory, not this command's.
          if (limiter.backend !== 'redis') {
            throw new CliError(
              'the limits count in the server process (no limits.redisUrl): ask the server with ' +
                'GET /api/admin/usage?org=…, or set WARDEN_REDIS_URL to share the counters',
            )
          }
          const org = await s.organizations.findOrganization(opts.org)
          if (!org) throw new CliError(`no organization "${opts.org}"`)
          const app = opts.app === undefined ? undefined : await findApp(s, org.id, opts.app)
          const subjects = await s.limitOverrides.subjectsOf(org.id, app?.app.id)
          const snapshot = s.policyVersions.snapshot()
          const view = await usageView(limiter, org.id, subjects, (id) => snapshot.tier(id))
          const human = [
            `organization ${org.name}: ${lines(view.organization.limits)}`,
            ...view.applications.map((a) => `  app ${a.name} (${a.tier}): ${lines(a.limits)}`),
            ...view.keys.map((k) => `    key ${k.prefix}…: ${lines(k.limits)}`),
          ].join('\n')
          output(opts.json === true, usageViewJson(view, limiter.backend), human)
        },
        { limits: true },
      )
    })
}
