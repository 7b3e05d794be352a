import { Command, CommanderError } from 'commander'
import { isWardenError } from '../domain/index.js'
import { registerKeyCommands } from './commands/key.js'
import { registerOrgCommands } from './commands/org.js'
import { registerSystemCommands } from './commands/system.js'
import { CliError } from './context.js'

/** Builds the `warden` command with every subcommand. */
export function createProgram(): Command {
  const program = new Command('warden')
    .description('Warden: an OpenAI-compatible gateway that enforces a published usage policy')
    .showHelpAfterError()
    .exitOverride()
  registerSystemCommands(program)
  registerOrgCommands(program)
  registerKeyCommands(program)
  return program
}

/** Runs the CLI; returns the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  try {
    await createProgram().parseAsync([...argv], { from: 'user' })
    return 0
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode
    if (error instanceof CliError) {
      if (error.message) process.stderr.write(`warden: ${error.message}\n`)
      return error.exitCode
    }
    if (isWardenError(error)) {
      process.stderr.write(`warden: ${error.message}\n`)
      return 1
    }
    throw error
  }
}
