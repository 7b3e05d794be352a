// Warden as the gateway under test: `node dist/main.js` with the node flags of `npm start`, on a
// fresh SQLite file in a temp dir,
// pointed at the stub, with an API key made by its own CLI (`warden key create`).
import { execFile } from 'node:child_process'
import { openSync, readFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { EXIT_WITH_PARENT, startChild, waitForHttp } from './children.mjs'

const ownPackageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** The node flags `npm start` runs Warden with, read from the root package.json's start script. */
function startFlags(packageDir) {
  const pkg = JSON.parse(readFileSync(path.join(packageDir, '..', '..', 'package.json'), 'utf8'))
  const match = /\bnode((?:\s+--\S+)*)\s+packages\/warden\/dist\/main\.js/.exec(
    pkg.scripts?.start ?? '',
  )
  return match ? match[1].trim().split(/\s+/).filter(Boolean) : []
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/**
 * Starts Warden and resolves once `/healthz` answers 200. With `cpuProfileDir`, Warden runs
 * under `node --cpu-prof` and writes its profile there when it exits. `packageDir` is the
 * built packages/warden to start (default: this checkout's; another for a baseline).
 */
export async function startWarden({
  upstreamUrl,
  tempDir,
  cpuProfileDir = null,
  packageDir = ownPackageDir,
  logLevel = 'info',
  env: extraEnv = {},
  roomyLimits = true,
}) {
  // Inherited WARDEN_* variables would change what is measured; only ours go in.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('WARDEN_')),
  )
  const port = await freePort()
  Object.assign(env, {
    WARDEN_UPSTREAM_URL: upstreamUrl,
    WARDEN_PORT: String(port),
    WARDEN_HOST: '127.0.0.1',
    // Metrics stay on (the default) on a free port: several Wardens may run side by side.
    WARDEN_METRICS_PORT: String(await freePort()),
    WARDEN_SQLITE_PATH: path.join(tempDir, 'warden.db'),
    // The default level: the one log line per request is part of what is measured.
    WARDEN_LOG_LEVEL: logLevel,
    ...extraEnv,
  })
  // The temp dir as cwd, so a ./warden.yaml in the checkout is not read either.
  const cli = path.join(packageDir, 'bin/warden.js')
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [cli, 'key', 'create', '--org', 'bench', '--app', 'bench', '--json'],
    { env, cwd: tempDir, timeout: 60_000 },
  )
  const apiKey = JSON.parse(stdout).key
  if (typeof apiKey !== 'string') throw new Error(`warden key create printed no key: ${stdout}`)
  if (roomyLimits) {
    // Limits stay on (the default) and are checked on every request, but the bench's own
    // application gets room far beyond the sandbox tier's 20 requests a minute.
    await promisify(execFile)(
      process.execPath,
      [
        cli,
        'limits',
        'set',
        '--org',
        'bench',
        '--app',
        'bench',
        '--rpm',
        '1000000000',
        '--tpm',
        '1000000000000',
        '--tpd',
        '1000000000000',
        '--concurrent',
        '100000',
      ],
      { env, cwd: tempDir, timeout: 60_000 },
    )
  }
  const profileFlags = cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`] : []
  const child = startChild(
    'warden',
    process.execPath,
    [
      ...EXIT_WITH_PARENT,
      ...profileFlags,
      ...startFlags(packageDir),
      path.join(packageDir, 'dist/main.js'),
    ],
    // Warden's log goes to a file, as in a deployment: a pipe to the bench would make the
    // bench's own reading part of what the gateway's writes cost.
    { env, cwd: tempDir, stdout: openSync(path.join(tempDir, 'warden.log'), 'a') },
  )
  const origin = `http://127.0.0.1:${port}`
  await waitForHttp(`${origin}/healthz`, child)
  // Where the bench reads Warden's own counters (its write queues): null with metrics off.
  const metricsUrl =
    env.WARDEN_METRICS_EXPOSE === 'off' || env.WARDEN_METRICS_EXPOSE === 'main'
      ? null
      : `http://127.0.0.1:${env.WARDEN_METRICS_PORT}/metrics`
  return { child, url: `${origin}/v1`, pid: child.pid, apiKey, metricsUrl }
}
