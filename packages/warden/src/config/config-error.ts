/** Why the configuration could not be loaded or used; the message names every wrong path. */
export class ConfigError extends Error {
  override readonly name: string = 'ConfigError'
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
  }
}
