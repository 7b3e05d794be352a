/** The process environment: the one place outside tests that reads it. */
export function processEnv(): Readonly<Record<string, string | undefined>> {
  return process.env
}
