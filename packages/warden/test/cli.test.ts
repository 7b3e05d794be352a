import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startStubUpstream, type StubUpstream } from '../src/testing/stub-upstream.js'

const root = resolve(import.meta.dirname, '..')
const bin = join(root, 'bin', 'warden.js')
const main = join(root, 'dist', 'main.js')

/** The built `warden` command and `npm start`'s entry point, run as real processes. */
describe('the warden command and server process', () => {
  let dir: string
  let stub: StubUpstream
  let env: NodeJS.ProcessEnv

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warden-cli-'))
    stub = await startStubUpstream()
    env = { PATH: process.env.PATH, HOME: process.env.HOME, WARDEN_UPSTREAM_URL: stub.url }
  })
  afterAll(async () => {
    await stub.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const warden = (...args: string[]) =>
    spawnSync(process.execPath, [bin, ...args], { cwd: dir, env, encoding: 'utf8' })

  it('key create --json creates the org and app when missing and prints the key once', () => {
    const out = warden(
      'key',
      'create',
      '--org',
      'acme',
      '--app',
      'bot',
      '--models',
      'stub-model,stub-embedder',
      '--json',
    )
    expect(out.status, out.stderr).toBe(0)
    const created = JSON.parse(out.stdout) as {
      key: string
      org: string
      app: string
      models: string[]
    }
    expect(created).toMatchObject({
      org: 'acme',
      app: 'bot',
      models: ['stub-model', 'stub-embedder'],
    })
    expect(created.key).toMatch(/^wdn_[A-Za-z0-9_-]{43}$/)
    const second = JSON.parse(
      warden('key', 'create', '--org', 'acme', '--app', 'bot', '--json').stdout,
    ) as { key: string }
    expect(second.key).not.toBe(created.key)
    const listed = warden('key', 'list', '--json')
    expect(listed.stdout).not.toContain(created.key)
    expect((JSON.parse(listed.stdout) as unknown[]).length).toBe(2)
    const orgs = JSON.parse(warden('org', 'list', '--json').stdout) as Array<{ name: string }>
    expect(orgs.map((o) => o.name)).toEqual(['acme'])
  })

  it('starts, prints its URL, the one-time admin token and how to create a key, and serves the openai client', async () => {
    const created = JSON.parse(
      warden('key', 'create', '--org', 'acme', '--app', 'web', '--json').stdout,
    ) as { key: string }
    const child = spawn(process.execPath, [main], { cwd: dir, env: { ...env, WARDEN_PORT: '0' } })
    let stdout = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    try {
      await expect.poll(() => stdout, { timeout: 15_000 }).toMatch(/Create an API key/)
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1] ?? ''
      expect(url).not.toBe('')
      expect(stdout).toMatch(/wdb_[A-Za-z0-9_-]{43}/)
      expect(stdout).toContain('npx warden key create --org')
      expect((await fetch(`${url}/healthz`)).status).toBe(200)
      const client = new OpenAI({ apiKey: created.key, baseURL: `${url}/v1` })
      const completion = await client.chat.completions.create({
        model: 'stub-model',
        messages: [{ role: 'user', content: 'hi' }],
      })
      expect(completion.choices[0]?.message.content).toBe('Hello from the stub upstream.')
      expect((await client.models.list()).data.map((m) => m.id)).toContain('stub-model')

      // Revoked from another process (the CLI): the running server refuses the next request.
      const info = JSON.parse(warden('key', 'list', '--json').stdout) as Array<{
        id: string
        prefix: string
      }>
      const id = info.find((k) => created.key.startsWith(k.prefix))?.id ?? ''
      expect(warden('key', 'revoke', id).status).toBe(0)
      await expect(
        client.chat.completions.create({
          model: 'stub-model',
          messages: [{ role: 'user', content: 'hi' }],
        }),
      ).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError)
    } finally {
      child.kill('SIGTERM')
      await new Promise((r) => child.once('exit', r))
    }
    expect(child.exitCode).toBe(0)
    // The usage of the request above was flushed on shutdown.
    const db = new Database(join(dir, '.warden', 'warden.db'), { readonly: true })
    const rows = db.prepare("select count(*) as n from usage_event where outcome = 'ok'").get() as {
      n: number
    }
    db.close()
    expect(rows.n).toBeGreaterThanOrEqual(2)
    expect(stderr + stdout).not.toContain(created.key)
  })

  it('audit verify passes on an intact log and fails, naming the entry, once one is edited', () => {
    const ok = warden('audit', 'verify')
    expect(ok.status, ok.stdout + ok.stderr).toBe(0)
    expect(ok.stdout).toMatch(/intact/)
    const db = new Database(join(dir, '.warden', 'warden.db'))
    db.prepare("update audit_entry set actor = 'someone-else' where seq = 2").run()
    db.close()
    const broken = warden('audit', 'verify')
    expect(broken.status).toBe(1)
    expect(broken.stdout).toMatch(/entry 2: was edited/)
  })

  it('migrate brings a new database up to date', () => {
    const other = mkdtempSync(join(tmpdir(), 'warden-migrate-'))
    const out = spawnSync(process.execPath, [bin, 'migrate'], { cwd: other, env, encoding: 'utf8' })
    rmSync(other, { recursive: true, force: true })
    expect(out.status, out.stderr).toBe(0)
    expect(out.stdout).toMatch(/up to date/)
  })

  it('runs key, org and migrate commands, and starts, while a provider key variable is unset', async () => {
    const cfg = mkdtempSync(join(tmpdir(), 'warden-unset-'))
    writeFileSync(
      join(cfg, 'warden.yaml'),
      [
        'providers:',
        '  openai:',
        '    kind: openai-compatible',
        '    baseUrl: https://api.openai.com/v1',
        '    apiKey: env:SOME_UNSET_VAR',
        'models:',
        '  - id: gpt-4o-mini',
        '    provider: openai',
      ].join('\n'),
    )
    const plainEnv = { PATH: process.env.PATH, HOME: process.env.HOME }
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [bin, ...args], { cwd: cfg, env: plainEnv, encoding: 'utf8' })
    for (const args of [['migrate'], ['key', 'create', '--org', 'o', '--app', 'a', '--json']]) {
      const out = run(...args)
      expect(out.status, out.stderr).toBe(0)
    }
    const listed = run('key', 'list', '--json')
    expect(listed.status, listed.stderr).toBe(0)
    expect(listed.stderr).toBe('')
    expect(JSON.parse(listed.stdout)).toHaveLength(1)
    expect(run('org', 'list').status).toBe(0)

    const created = JSON.parse(
      run('key', 'create', '--org', 'o', '--app', 'a', '--json').stdout,
    ) as {
      key: string
    }
    const child = spawn(process.execPath, [main], {
      cwd: cfg,
      env: { ...plainEnv, WARDEN_PORT: '0' },
    })
    let stdout = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    try {
      await expect.poll(() => stdout, { timeout: 15_000 }).toMatch(/Create an API key/)
      const warnings = stdout.split('\n').filter((line) => line.includes('SOME_UNSET_VAR'))
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain(
        'providers.openai.apiKey: environment variable SOME_UNSET_VAR is not set',
      )
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1] ?? ''
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${created.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      })
      expect(res.status).toBe(502)
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
        'The upstream "openai" cannot be called: its credential is not configured.',
      )
    } finally {
      child.kill('SIGTERM')
      await new Promise((r) => child.once('exit', r))
      rmSync(cfg, { recursive: true, force: true })
    }
  })

  it('refuses a bad config file at start, naming every wrong path, with a non-zero exit', () => {
    const bad = mkdtempSync(join(tmpdir(), 'warden-badcfg-'))
    writeFileSync(
      join(bad, 'warden.yaml'),
      [
        'server:',
        '  port: "not a port"',
        '  hots: 0.0.0.0',
        'providers:',
        '  main:',
        '    kind: openai-compatible',
        '    baseUrl: not-a-url',
        'models:',
        '  - id: m1',
        '    provider: nowhere',
      ].join('\n'),
    )
    const out = spawnSync(process.execPath, [main], {
      cwd: bad,
      env: { PATH: process.env.PATH },
      encoding: 'utf8',
      timeout: 10_000,
    })
    rmSync(bad, { recursive: true, force: true })
    expect(out.status).toBe(2)
    expect(out.stderr).toContain('server.port')
    expect(out.stderr).toContain('server')
    expect(out.stderr).toMatch(/hots/)
    expect(out.stderr).toContain('providers.main.baseUrl')
    expect(out.stderr).toContain('models.0.provider')
  })
})
