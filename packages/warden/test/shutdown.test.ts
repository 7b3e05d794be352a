import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startStubUpstream, type StubUpstream } from '../src/testing/stub-upstream.js'

const root = resolve(import.meta.dirname, '..')
const main = join(root, 'dist', 'main.js')
const bin = join(root, 'bin', 'warden.js')

async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  server.close()
  return typeof address === 'object' && address !== null ? address.port : 0
}

interface Running {
  readonly child: ChildProcess
  readonly url: string
  readonly dbPath: string
  output(): string
}

/** `npm start`'s entry point as a real process with its own database and a short grace. */
async function startWarden(stub: StubUpstream, dir: string, graceMs: number): Promise<Running> {
  const port = await freePort()
  const config = join(dir, 'warden.yaml')
  writeFileSync(
    config,
    // Limits off: these runs hold more streams at once, and send more a minute, than a
    // sandbox key may (limits have their own tests).
    `server:\n  shutdownGraceMs: ${graceMs}\nusage:\n  flushIntervalMs: 60000\nlimits:\n  enabled: false\n`,
  )
  const dbPath = join(dir, 'warden.db')
  const env = {
    PATH: process.env.PATH,
    HOME: dir,
    WARDEN_CONFIG: config,
    WARDEN_SQLITE_PATH: dbPath,
    WARDEN_PORT: String(port),
    WARDEN_METRICS_PORT: '0',
    WARDEN_UPSTREAM_URL: stub.url,
    WARDEN_LOG_LEVEL: 'warn',
  }
  const child = spawn(process.execPath, [main], { cwd: dir, env })
  let output = ''
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()))
  const url = `http://127.0.0.1:${port}`
  await expect
    .poll(
      () =>
        fetch(`${url}/healthz`).then(
          (r) => r.status,
          () => 0,
        ),
      { timeout: 15_000 },
    )
    .toBe(200)
  return { child, url, dbPath, output: () => output }
}

/** A key made with the CLI, on the server's database. */
function createKey(dir: string, dbPath: string): string {
  const run = spawnSync(
    process.execPath,
    [bin, 'key', 'create', '--org', 'acme', '--app', 'shutdown', '--json'],
    {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: dir, WARDEN_SQLITE_PATH: dbPath },
      encoding: 'utf8',
    },
  )
  if (run.status !== 0) throw new Error(run.stderr)
  return (JSON.parse(run.stdout) as { key: string }).key
}

function usageRows(dbPath: string) {
  const db = new Database(dbPath, { readonly: true })
  try {
    return db
      .prepare('select request_id, outcome, status, stream, completion_tokens from usage_event')
      .all() as Array<{
      request_id: string
      outcome: string
      status: number
      stream: number
      completion_tokens: number
    }>
  } finally {
    db.close()
  }
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null
    ? Promise.resolve(child.exitCode)
    : once(child, 'exit').then(([code]) => code as number | null)

describe('shutdown loses no usage event', () => {
  let stub: StubUpstream
  let dir: string

  beforeAll(async () => {
    stub = await startStubUpstream()
    dir = mkdtempSync(join(tmpdir(), 'warden-shutdown-'))
  })
  afterAll(async () => {
    await stub.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('records streams cut at the end of the grace as cancelled, with the tokens they got', async () => {
    const home = mkdtempSync(join(dir, 'grace-'))
    const warden = await startWarden(stub, home, 400)
    const key = createKey(home, warden.dbPath)
    stub.setDefault({
      kind: 'reply',
      content: Array.from({ length: 200 }, (_, i) => `word${i}`).join(' '),
      chunkDelayMs: 50,
    })
    const streams = await Promise.all(
      [1, 2, 3].map(() =>
        fetch(`${warden.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            model: 'stub-model',
            stream: true,
            messages: [{ role: 'user', content: 'talk for a long time' }],
          }),
        }),
      ),
    )
    // Each stream has started: read a first piece of each.
    const readers = streams.map((r) => {
      if (!r.body) throw new Error('no body')
      return r.body.getReader()
    })
    await Promise.all(readers.map((reader) => reader.read()))
    warden.child.kill('SIGTERM')
    const drained = Promise.all(
      readers.map(async (reader) => {
        for (;;) if ((await reader.read().catch(() => ({ done: true }))).done) return
      }),
    )
    expect(await exited(warden.child)).toBe(0)
    await drained
    stub.setDefault({ kind: 'reply', content: 'Hello from the stub upstream.' })
    const rows = usageRows(warden.dbPath).filter((r) => r.stream === 1)
    expect(rows, warden.output()).toHaveLength(3)
    for (const row of rows) {
      expect(row.outcome).toBe('cancelled')
      expect(row.completion_tokens).toBeGreaterThan(0)
    }
  })

  it('a second SIGTERM cuts the wait short but still flushes every answered request', async () => {
    const home = mkdtempSync(join(dir, 'twice-'))
    const warden = await startWarden(stub, home, 10_000)
    const key = createKey(home, warden.dbPath)
    stub.setDefault({ kind: 'reply', content: 'Hello from the stub upstream.', delayMs: 20 })
    let answered = 0
    let stopping = false
    const worker = async () => {
      while (!stopping) {
        const res = await fetch(`${warden.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            model: 'stub-model',
            messages: [{ role: 'user', content: 'hi' }],
          }),
        }).catch(() => null)
        if (res === null) return
        const text = await res.text().catch(() => '')
        if (res.status === 200 && text.includes('choices')) answered += 1
      }
    }
    const workers = Array.from({ length: 10 }, () => worker())
    await expect.poll(() => answered, { timeout: 10_000 }).toBeGreaterThan(100)
    // One slow stream keeps the drain waiting, as in-flight work does on a busy server.
    stub.enqueue({ kind: 'reply', content: 'slow '.repeat(100), chunkDelayMs: 100 })
    void fetch(`${warden.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'stub-model',
        stream: true,
        messages: [{ role: 'user', content: 'x' }],
      }),
    })
      .then((r) => r.text())
      .catch(() => '')
    warden.child.kill('SIGTERM')
    await new Promise((r) => setTimeout(r, 150))
    warden.child.kill('SIGTERM')
    const code = await exited(warden.child)
    stopping = true
    await Promise.all(workers)
    stub.setDefault({ kind: 'reply', content: 'Hello from the stub upstream.' })
    expect(code, warden.output()).toBe(0)
    const ok = usageRows(warden.dbPath).filter((r) => r.status === 200 && r.outcome === 'ok')
    expect(ok.length).toBeGreaterThanOrEqual(answered)
  })
})
