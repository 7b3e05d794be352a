import { readFileSync } from 'node:fs'
import { Command, CommanderError } from 'commander'
import { isWardenError } from '../domain/index.js'
import { registerAdminCommands } from './commands/admin.js'
import { registerIncidentCommands } from './commands/incident.js'
import { registerKeyCommands } from './commands/key.js'
import { registerLimitCommands } from './commands/limits.js'
import { registerUsageCommand } from './commands/usage.js'
import { registerClassifyCommand } from './commands/classify.js'
import { registerOrgCommands } from './commands/org.js'
import { registerPolicyCommands } from './commands/policy.js'
import { registerRetentionCommands } from './commands/retention.js'
import { registerUserCommands } from './commands/user.js'
import { registerSystemCommands } from './commands/system.js'
import { CliError, type GlobalOptions } from './context.js'

/** How a run of the CLI ended: its exit code, and whether a server now keeps the process alive. */
export interface CliOutcome {
  readonly code: number
  readonly serving: boolean
}

/** What a command registration needs from the program around it. */
export interface CliProgram {
  /** The global options (`--config`, `--database`), read when a command runs. */
  readonly globals: () => GlobalOptions
  /** Called by `start` once the server listens. */
  readonly onServing: () => void
}

/** The version in this package's package.json (the same from `src/` and `dist/`). */
function packageVersion(): string {
  const url = new URL('../../package.json', import.meta.url)
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version
}

/** Builds the `warden` command with every subcommand. */
export function createProgram(onServing: () => void = () => undefined): Command {
  const program = new Command('warden')
    .description('Warden: an OpenAI-compatible gateway that enforces a published usage policy')
    .version(packageVersion(), '-V, --version', 'print the version of warden')
    .helpOption('-h, --help', 'show help for a command')
    .option('--config <file>', 'the config file (default: $WARDEN_CONFIG, else ./warden.yaml)')
    .option(
      '--database <url-or-path>',
      'postgres://…, sqlite:PATH or a SQLite file path (default: from the config)',
    )
    .showHelpAfterError()
    .exitOverride()
  const cli: CliProgram = { globals: () => program.opts<GlobalOptions>(), onServing }
  registerSystemCommands(program, cli)
  registerAdminCommands(program, cli)
  registerOrgCommands(program, cli)
  registerKeyCommands(program, cli)
  registerLimitCommands(program, cli)
  registerUsageCommand(program, cli)
  registerIncidentCommands(program, cli)
  registerClassifyCommand(program, cli)
  registerPolicyCommands(program, cli)
  registerRetentionCommands(program, cli)
  registerUserCommands(program, cli)
  return program
}

/** Runs the CLI; says how it ended. Failures a user can fix are one line on stderr. */
export async function runCli(argv: readonly string[]): Promise<CliOutcome> {
  let serving = false
  try {
    await createProgram(() => (serving = true)).parseAsync([...argv], { from: 'user' })
    return { code: 0, serving }
  } catch (error) {
    if (error instanceof CommanderError) return { code: error.exitCode, serving: false }
    if (error instanceof CliError) {
      if (error.message) process.stderr.write(`warden: ${error.message}\n`)
      return { code: error.exitCode, serving: false }
    }
    if (isWardenError(error)) {
      process.stderr.write(`warden: ${error.message}\n`)
      return { code: 1, serving: false }
    }
    throw error
  }
}
