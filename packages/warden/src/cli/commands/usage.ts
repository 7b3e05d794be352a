import type { Command } from 'commander'
import { usageView, usageViewJson, type UsageLine } from '../../limits/index.js'
import type { CliProgram } from '../main.js'
import { CliError, output, withServices } from '../context.js'
import { findApp } from './org.js'

interface UsageOptions {
  org: string
  app?: string
  json?: boolean
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
    .option('--json', 'print the view as JSON, as GET /api/admin/usage answers it')
    .action(async (opts: UsageOptions) => {
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
