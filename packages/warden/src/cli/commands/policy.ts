import { readFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { toPolicyVersionDto } from '../../contract/index.js'
import { MAX_GRACE_DAYS, parsePolicy, PolicyError } from '../../policy/index.js'
import type { CliProgram } from '../main.js'
import { CliError, output, withServices } from '../context.js'

const ACTOR = 'cli'

/** `warden policy publish|list|show|accept`. */
export function registerPolicyCommands(program: Command, cli: CliProgram): void {
  const policy = program
    .command('policy')
    .description('publish and list versions of the usage policy; record an acceptance')

  policy
    .command('publish')
    .description('validate a policy file (YAML) and publish it as the next version')
    .argument('<file>', 'the policy, in the format of policies/default.yaml')
    .option('--requires-reacceptance', 'organizations must accept this version again')
    .option(
      '--grace-days <n>',
      `days production traffic keeps flowing before re-acceptance is enforced (0-${MAX_GRACE_DAYS})`,
      '0',
    )
    .option('--changelog <text>', 'what changed, shown on the public pages')
    .option('--json', 'print JSON with the admin API fields')
    .action(
      async (
        file: string,
        opts: {
          requiresReacceptance?: boolean
          graceDays: string
          changelog?: string
          json?: boolean
        },
      ) => {
        const graceDays = Number(opts.graceDays)
        if (!Number.isInteger(graceDays) || graceDays < 0 || graceDays > MAX_GRACE_DAYS) {
          throw new CliError(`--grace-days must be a whole number from 0 to ${MAX_GRACE_DAYS}`)
        }
        if (graceDays > 0 && opts.requiresReacceptance !== true) {
          throw new CliError('--grace-days applies only with --requires-reacceptance')
        }
        let text: string
        try {
          text = await readFile(file, 'utf8')
        } catch (error) {
          throw new CliError(`cannot read ${file}: ${(error as Error).message}`)
        }
        let parsed
        try {
          parsed = parsePolicy(text)
        } catch (error) {
          if (error instanceof PolicyError) {
            throw new CliError(
              `${file} is not a valid usage policy; nothing was published:\n${error.problems.map((p) => `  ${p}`).join('\n')}`,
            )
          }
          throw error
        }
        await withServices(cli.globals(), async (s) => {
          const published = await s.policyVersions.publish(parsed, {
            requiresReacceptance: opts.requiresReacceptance === true,
            graceDays,
            changelog: opts.changelog ?? null,
            actor: ACTOR,
          })
          output(
            opts.json === true,
            toPolicyVersionDto(published),
            `Published version ${published.version} (sha256 ${published.hash.slice(0, 12)}…)` +
              (published.requiresReacceptance
                ? `; organizations must accept it${graceDays > 0 ? ` within ${graceDays} days` : ' now'} to keep production access`
                : ''),
          )
        })
      },
    )

  policy
    .command('list')
    .description('list the published versions, oldest first')
    .option('--json', 'print JSON with the admin API fields')
    .action(async (opts: { json?: boolean }) => {
      await withServices(cli.globals(), async (s) => {
        const versions = (await s.policyVersions.list()).map(toPolicyVersionDto)
        const lines = versions.map(
          (v) =>
            `${String(v.version).padStart(3)}  ${new Date(v.published_at * 1000).toISOString().slice(0, 16).replace('T', ' ')}  ` +
            `${v.requires_reacceptance ? `re-acceptance${v.grace_days ? ` (${v.grace_days} d grace)` : ''}` : '-'}  ${v.changelog ?? ''}`,
        )
        output(opts.json === true, versions, lines.join('\n') || 'no versions published')
      })
    })

  policy
    .command('show')
    .description('print the YAML of a version (default: the current one)')
    .option('--version <n>', 'the version to print')
    .action(async (opts: { version?: string }) => {
      await withServices(cli.globals(), async (s) => {
        const n = opts.version === undefined ? undefined : Number(opts.version)
        if (n !== undefined && !(Number.isInteger(n) && n > 0))
          throw new CliError('--version must be a version number')
        const v = n === undefined ? await s.policyVersions.current() : await s.policyVersions.get(n)
        if (!v) throw new CliError(n === undefined ? 'no version published' : `no version ${n}`)
        process.stdout.write(v.source.endsWith('\n') ? v.source : `${v.source}\n`)
      })
    })

  policy
    .command('accept')
    .description("record an organization's acceptance of the current version, on your authority")
    .requiredOption('--org <name-or-id>', 'the organization')
    .option('--json', 'print JSON')
    .action(async (opts: { org: string; json?: boolean }) => {
      await withServices(cli.globals(), async (s) => {
        const org = await s.organizations.findOrganization(opts.org)
        if (!org) throw new CliError(`no organization "${opts.org}"`)
        const accepted = await s.policyVersions.accept(org.id, ACTOR)
        output(
          opts.json === true,
          {
            org_id: accepted.orgId,
            version: accepted.version,
            accepted_at: Math.floor(accepted.acceptedAt / 1000),
            accepted_by: accepted.acceptedBy,
          },
          `${org.name} accepted version ${accepted.version} of the usage policy`,
        )
      })
    })
}
