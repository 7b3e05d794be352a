import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testDatabaseKinds, type TestDatabase } from '../src/testing/databases.js'
import { startStubUpstream, type StubUpstream } from '../src/testing/stub-upstream.js'

const root = resolve(import.meta.dirname, '..')
const main = join(root, 'dist', 'main.js')
const bin = join(root, 'bin', 'warden.js')
/** The limit under test: requests a minute for one key. */
const LIMIT = 10

/** Polls `probe` until `done` holds of its value (outside a test, where expect.poll is not). */
async function waitFor<T>(probe: () => Promise<T>, done: (value: T) => boolean, what: string) {
  const until = Date.now() + 20_000
  for (;;) {
    const value = await probe()
    if (done(value)) return value
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  server.close()
  return typeof address === 'object' && address !== null ? address.port : 0
}

/** True once a Redis server answers PING on `port`. */
function redisAnswers(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1')
    socket.setTimeout(500)
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (data) => {
      socket.destroy()
      done(data.toString().startsWith('+PONG'))
    })
    socket.once('error', () => done(false))
    socket.once('timeout', () => {
      socket.destroy()
      done(false)
    })
  })
}

/** A Redis of this test's own (the shared one on 6379 must not be stopped under other tests). */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
    ],
    { stdio: 'ignore' },
  )
  try {
    await waitFor(
      () => redisAnswers(port),
      (up) => up,
      'redis-server to answer',
    )
  } catch (error) {
    child.kill('SIGKILL')
    throw error
  }
  return child
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGKILL')
  await once(child, 'exit')
}

interface Replica {
  readonly child: ChildProcess
  readonly url: string
  output(): string
  limits(): Promise<{ primary?: string }>
}

/** `npm start`'s entry point as a real process: one more replica on the shared stores. */
async function startReplica(env: Record<string, string>): Promise<Replica> {
  const port = await freePort()
  const child = spawn(process.execPath, [main], {
    env: { ...env, WARDEN_PORT: String(port), WARDEN_METRICS_PORT: '0' },
    cwd: env.HOME,
  })
  let output = ''
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()))
  const url = `http://127.0.0.1:${port}`
  const health = () =>
    fetch(`${url}/healthz`).then(
      async (r) =>
        r.status === 200 ? ((await r.json()) as { limits: { primary?: string } }) : null,
      () => null,
    )
  try {
    await waitFor(health, (h) => h !== null, 'the replica to be ready')
  } catch (error) {
    child.kill('SIGKILL')
    throw new Error(`${String(error)}: ${output}`)
  }
  return {
    child,
    url,
    output: () => output,
    limits: async () => (await health())?.limits ?? {},
  }
}

/** Two Warden processes on one database and one Redis hold a key to one limit, not two. */
describe('limits across two replicas', () => {
  const kinds = testDatabaseKinds(process.env.WARDEN_TEST_DATABASE_URL)
  const kind = kinds[kinds.length - 1] as (typeof kinds)[number]
  let dir: string
  let database: TestDatabase
  let stub: StubUpstream
  let redisPort: number
  let redis: ChildProcess
  let env: Record<string, string>
  let closed: Replica
  let open: Replica

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warden-replicas-'))
    database = await kind.create()
    stub = await startStubUpstream({ record: false })
    redisPort = await freePort()
    redis = await startRedis(redisPort)
    env = {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      WARDEN_DATABASE_URL: database.url,
      WARDEN_SQLITE_PATH: database.sqlitePath || join(dir, 'unused.db'),
      WARDEN_UPSTREAM_URL: stub.url,
      WARDEN_LOG_LEVEL: 'warn',
      WARDEN_REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    }
    // One replica of each failure mode, so one outage shows both.
    closed = await startReplica({ ...env, WARDEN_REDIS_FAILURE: 'closed' })
    open = await startReplica({ ...env, WARDEN_REDIS_FAILURE: 'open' })
  }, 60_000)
  afterAll(async () => {
    for (const replica of [closed, open]) if (replica) await stop(replica.child)
    if (redis) await stop(redis)
    await stub?.close()
    await database?.drop()
    rmSync(dir, { recursive: true, force: true })
  })

  /** Runs the CLI on the replicas' database; returns what it printed as JSON. */
  function cli(...args: string[]): Record<string, unknown> {
    const run = spawnSync(process.execPath, [bin, ...args, '--json'], {
      cwd: dir,
      env: { ...env, WARDEN_REDIS_URL: '' },
      encoding: 'utf8',
    })
    if (run.status !== 0) throw new Error(run.stderr)
    return JSON.parse(run.stdout) as Record<string, unknown>
  }

  /** A key held to LIMIT requests a minute, in an application with room for more. */
  function limitedKey(app: string): string {
    const created = cli('key', 'create', '--org', 'replicas', '--app', app)
    // The application's own limits replace the sandbox tier's, whose tokens a minute would
    // bind before the key's requests do (each request reserves 1,024 completion tokens).
    cli('limits', 'set', '--org', 'replicas', '--app', app, '--rpm', '1000', '--concurrent', '1000')
    cli(
      'limits',
      'set',
      '--org',
      'replicas',
      '--app',
      app,
      '--tpm',
      '100000000',
      '--tpd',
      '100000000',
    )
    cli('limits', 'set', '--key', created.id as string, '--rpm', String(LIMIT))
    return created.key as string
  }

  /** Sends `count` requests at once, alternating between `replicas`; how many passed, and all. */
  async function burst(key: string, count: number, replicas: readonly Replica[]) {
    // The limit is a minute's: a burst must not straddle two minutes, or each gets the limit.
    const intoMinute = Date.now() % 60_000
    if (intoMinute > 50_000) await new Promise((r) => setTimeout(r, 60_100 - intoMinute))
    const statuses = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        fetch(`${(replicas[i % replicas.length] as Replica).url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            model: 'stub-model',
            messages: [{ role: 'user', content: 'hi' }],
          }),
        }).then(async (res) => {
          await res.text()
          return res.status
        }),
      ),
    )
    const count200 = statuses.filter((s) => s === 200).length
    return { ok: count200, statuses }
  }

  it('lets exactly the limit through across both, follows the failure mode while Redis is down, and limits again once it is back', async () => {
    const first = limitedKey('first')
    const shared = await burst(first, 3 * LIMIT, [closed, open])
    expect(shared.ok).toBe(LIMIT)
    expect(shared.statuses.filter((s) => s === 429)).toHaveLength(2 * LIMIT)

    // Redis goes away mid-run.
    await stop(redis)
    await expect.poll(async () => (await closed.limits()).primary, { timeout: 10_000 }).toBe('down')
    await expect.poll(async () => (await open.limits()).primary, { timeout: 10_000 }).toBe('down')
    const second = limitedKey('second')
    // closed: nothing is served unmetered.
    const refused = await burst(second, 5, [closed])
    expect(refused.statuses).toEqual([503, 503, 503, 503, 503])
    // open: the replica counts alone, so the key gets the limit there, never more.
    const alone = await burst(second, 3 * LIMIT, [open])
    expect(alone.ok).toBe(LIMIT)

    // Redis is back (empty): both replicas share it again without a restart.
    redis = await startRedis(redisPort)
    await expect.poll(async () => (await closed.limits()).primary, { timeout: 15_000 }).toBe('up')
    await expect.poll(async () => (await open.limits()).primary, { timeout: 15_000 }).toBe('up')
    const third = limitedKey('third')
    const again = await burst(third, 3 * LIMIT, [closed, open])
    expect(again.ok).toBe(LIMIT)

    // One log line per change of state on each replica, not one per request.
    for (const replica of [closed, open]) {
      expect(replica.output().split('Redis is unreachable').length - 1).toBe(1)
    }
    expect(closed.output()).toContain('refusing requests (503) until it is back')
    expect(open.output()).toContain('counting in this process until it is back')
  }, 90_000)
})
