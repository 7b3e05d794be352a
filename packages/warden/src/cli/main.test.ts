import type { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { createProgram } from './main.js'

function allCommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap(allCommands)]
}

describe('the warden command', () => {
  it('describes every command, subcommand, argument and option in its help', () => {
    const missing = allCommands(createProgram()).flatMap((command) => [
      ...(command.description() === '' ? [`${command.name()}: description`] : []),
      ...command.options
        .filter((o) => o.description === '')
        .map((o) => `${command.name()} ${o.flags}`),
      ...command.registeredArguments
        .filter((a) => a.description === '')
        .map((a) => `${command.name()} <${a.name()}>`),
    ])
    expect(missing).toEqual([])
  })

  it('offers the global --config and --database options and --version', () => {
    const flags = createProgram().options.map((o) => o.long)
    expect(flags).toEqual(expect.arrayContaining(['--config', '--database', '--version']))
  })
})
