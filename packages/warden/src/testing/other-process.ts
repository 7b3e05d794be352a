import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'

// Loads the TypeScript module through Vite's SSR module loader (as Vitest does), says "ready",
// and calls the export once the parent says "go", so both processes start their work together.
const BOOTSTRAP = `
import { createInterface } from 'node:readline'
import { createServer } from 'vite'
const [modulePath, exportName, input] = process.argv.slice(1)
const vite = await createServer({
  configFile: false,
  logLevel: 'silent',
  appType: 'custom',
  server: { middlewareMode: true, hmr: false, ws: false },
})
const module = await vite.ssrLoadModule(modulePath)
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]()
process.stdout.write('ready\\n')
await lines.next()
await module[exportName](JSON.parse(input))
process.exit(0)
`

/** A Node process that has loaded its module and waits for `go`. */
export interface OtherProcess {
  /** Starts the work; resolves when it is done, rejects with the process's stderr if it failed. */
  go(): Promise<void>
}

/**
 * Runs `exportName(input)` of the TypeScript module at `modulePath` in a separate Node process,
 * as a second Warden process (the CLI, another replica) would. Resolves once it is ready to start.
 */
export function startOtherProcess(
  modulePath: string,
  exportName: string,
  input: unknown,
): Promise<OtherProcess> {
  const child = spawn(
    process.execPath,
    ['--input-type=module', '-e', BOOTSTRAP, modulePath, exportName, JSON.stringify(input)],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  )
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8')
  })
  const exited = new Promise<void>((resolve, reject) => {
    child.on('error', reject)
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`other process exited with ${code}: ${stderr}`)),
    )
  })
  return new Promise((resolve, reject) => {
    exited.catch(reject)
    const lines = createInterface({ input: child.stdout })
    lines.once('line', () =>
      resolve({
        go() {
          child.stdin.end('go\n')
          return exited
        },
      }),
    )
  })
}
