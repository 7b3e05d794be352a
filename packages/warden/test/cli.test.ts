import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
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
  /** `warden ARGS` run in `cwd` with `extra` variables. */
  const run = (cwd: string, extra: NodeJS.ProcessEnv, ...args: string[]) =>
    spawnSync(process.execPath, [bin, ...args], {
      cwd,
      env: { ...env, ...extra },
      encoding: 'utf8',
    })
  const orgNames = (out: ReturnType<typeof run>) =>
    (JSON.parse(out.stdout) as Array<{ name: string }>).map((o) => o.name)
  const wardenAsync = (...args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
      const child = spawn(process.execPath, [bin, ...args], { cwd: dir, env })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      child.on('close', (status) => done({ status, stdout, stderr }))
    })

  it('key create --json creates the org and app when missing and prints the key once, in the admin API shape', () => {
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
    expect(out.stderr).toContain('no database at')
    const created = JSON.parse(out.stdout) as Record<string, unknown> & { key: string }
    expect(Object.keys(created).sort()).toEqual(
      [
        'key',
        'id',
        'app_id',
        'org_id',
        'name',
        'prefix',
        'models',
        'expires_at',
        'revoked_at',
        'suspended_at',
        'created_at',
      ].sort(),
    )
    expect(created).toMatchObject({ models: ['stub-model', 'stub-embedder'], expires_at: null })
    expect(created.key).toMatch(/^wdn_[A-Za-z0-9_-]{43}$/)
    const second = JSON.parse(
      warden('key', 'create', '--org', 'acme', '--app', 'bot', '--json').stdout,
    ) as { key: string; org_id: string; app_id: string }
    expect(second.key).not.toBe(created.key)
    expect(second).toMatchObject({ org_id: created.org_id, app_id: created.app_id })
    const listed = warden('key', 'list', '--json')
    expect(listed.stdout).not.toContain(created.key)
    const dto = Object.fromEntries(Object.entries(created).filter(([name]) => name !== 'key'))
    expect(JSON.parse(listed.stdout) as unknown[]).toContainEqual(dto)
    expect((JSON.parse(listed.stdout) as unknown[]).length).toBe(2)
    const orgs = JSON.parse(warden('org', 'list', '--json').stdout) as Array<{ name: string }>
    expect(orgs.map((o) => o.name)).toEqual(['acme'])
  }, 60_000)

  it('policy publish refuses an invalid file, naming the bad field, and publishes nothing', () => {
    const before = JSON.parse(warden('policy', 'list', '--json').stdout) as unknown[]
    const source = readFileSync(join(root, 'policies', 'default.yaml'), 'utf8')
    const bad = join(dir, 'bad-policy.yaml')
    writeFileSync(bad, source.replace('requests_per_minute: 20', 'requests_per_minute: -20'))
    const out = warden('policy', 'publish', bad)
    expect(out.status).toBe(1)
    expect(out.stderr).toContain('tiers.0.limits.requests_per_minute')
    expect(out.stderr).toContain('nothing was published')
    expect(JSON.parse(warden('policy', 'list', '--json').stdout)).toEqual(before)

    const good = join(dir, 'good-policy.yaml')
    writeFileSync(good, source.replace('requests_per_minute: 20', 'requests_per_minute: 30'))
    const published = warden(
      'policy',
      'publish',
      good,
      '--requires-reacceptance',
      '--grace-days',
      '14',
      '--changelog',
      'More sandbox requests.',
      '--json',
    )
    expect(published.status, published.stderr).toBe(0)
    expect(JSON.parse(published.stdout)).toMatchObject({
      version: before.length + 1,
      requires_reacceptance: true,
      grace_days: 14,
      changelog: 'More sandbox requests.',
    })
    expect(warden('policy', 'show').stdout).toContain('requests_per_minute: 30')
    const again = warden('policy', 'publish', good)
    expect(again.status).toBe(1)
    expect(again.stderr).toContain('identical to version')
  })

  it('key list shows organization, application and expiry', () => {
    const out = warden('key', 'create', '--org', 'acme', '--app', 'cron', '--expires-in-days', '2')
    expect(out.status, out.stderr).toBe(0)
    const listed = warden('key', 'list')
    const expiry = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10)
    expect(listed.stdout).toMatch(new RegExp(`acme/cron\\s+active\\s+expires ${expiry}`))
    expect(listed.stdout).toMatch(/acme\/bot\s+active\s+expires never/)
  })

  it('key create warns about a model id no upstream lists, and still creates the key', async () => {
    // Not spawnSync: the stub upstream in this process must answer the model list meanwhile.
    const out = await wardenAsync(
      'key',
      'create',
      '--org',
      'acme',
      '--app',
      'bot',
      '--models',
      'stub-model,gpt-nope',
    )
    expect(out.status, out.stderr).toBe(0)
    expect(out.stdout).toMatch(/wdn_/)
    expect(out.stderr).toBe(
      'warden: warning: unknown model "gpt-nope": not configured and not listed by any upstream; the key was created and allows it\n',
    )
  })

  it('key create refuses an --org given as an unknown id rather than creating an org named like one', () => {
    const out = warden('key', 'create', '--org', 'org_AAAAAAAAAAAAAAAA', '--app', 'bot')
    expect(out.status).toBe(1)
    expect(out.stderr).toBe('warden: no organization with id org_AAAAAAAAAAAAAAAA\n')
    expect(out.stdout).toBe('')
  })

  it('key create says it could not check the models when no upstream answers', () => {
    const out = spawnSync(
      process.execPath,
      [bin, 'key', 'create', '--org', 'acme', '--app', 'bot', '--models', 'anything'],
      { cwd: dir, env: { ...env, WARDEN_UPSTREAM_URL: 'http://127.0.0.1:9/v1' }, encoding: 'utf8' },
    )
    expect(out.status, out.stderr).toBe(0)
    expect(out.stderr).toMatch(/could not check model anything/)
  })

  it('app prescreen --json reads an application against the current policy and says why', () => {
    const file = join(dir, 'outreach.json')
    writeFileSync(
      file,
      JSON.stringify({
        description: 'Send 50,000 cold e-mails a day from rotating domains to small businesses.',
        domains: [],
        human_oversight: false,
      }),
    )
    const out = warden('app', 'prescreen', '--file', file, '--json')
    expect(out.status, out.stderr).toBe(0)
    const result = JSON.parse(out.stdout) as {
      outcome: string
      clauses: Array<{ id: string; why: string; matched: string[] }>
    }
    expect(result.outcome).toBe('prohibited')
    expect(result.clauses).toEqual([
      {
        id: 'prohibited.spam',
        why: 'Spam and unsolicited bulk messages: "cold e-mails" and "rotating domains" in the description.',
        matched: ['cold e-mails', 'rotating domains'],
      },
    ])
    const human = warden('app', 'prescreen', '--file', file)
    expect(human.stdout).toMatch(/^prohibited \(usage policy version \d+\)\n {2}prohibited\.spam: /)
  })

  it('app prescreen lists the mitigations of a high-scrutiny application and which answers cover them', () => {
    const file = join(dir, 'pharmacy.json')
    writeFileSync(
      file,
      JSON.stringify({
        description: 'Drafts replies to patients about their prescriptions.',
        human_oversight: true,
      }),
    )
    const out = warden('app', 'prescreen', '--file', file)
    expect(out.status, out.stderr).toBe(0)
    expect(out.stdout).toContain('high_scrutiny.medicine: Medicine and health: ')
    expect(out.stdout).toContain(
      '  [x] human_review: People review outputs (human_oversight: true)',
    )
    expect(out.stdout).toContain('  [ ] qualified_oversight: ')
  })

  it('app prescreen refuses a bad file with exit 1, naming the file and every bad field', () => {
    const bad = join(dir, 'bad.json')
    writeFileSync(bad, JSON.stringify({ description: 'x', audience: ['adults'], volume: 3 }))
    const out = warden('app', 'prescreen', '--file', bad, '--json')
    expect(out.status).toBe(1)
    expect(out.stdout).toBe('')
    expect(out.stderr).toContain(`warden: ${bad} is not a valid application:\n`)
    expect(out.stderr).toContain('  - audience.0: Invalid option')
    expect(out.stderr).toContain('  - (root): Unrecognized key: "volume"')
    writeFileSync(bad, '{"description": ')
    const broken = warden('app', 'prescreen', '--file', bad)
    expect(broken.status).toBe(1)
    expect(broken.stderr).toMatch(/^warden: .*bad\.json is not valid JSON: /)
  })

  it('app prescreen --model folds a model answer in through the provider layer', async () => {
    const file = join(dir, 'recipes.json')
    writeFileSync(
      file,
      JSON.stringify({ description: 'Suggests recipes for what is in the fridge.' }),
    )
    stub.enqueue({
      kind: 'reply',
      content: JSON.stringify({
        outcome: 'high_scrutiny',
        clauses: [{ id: 'high_scrutiny.medicine', why: 'It gives diet advice.' }],
      }),
    })
    // Not spawnSync: the stub upstream in this process must answer meanwhile.
    const out = await wardenAsync(
      'app',
      'prescreen',
      '--file',
      file,
      '--model',
      'stub-model',
      '--json',
    )
    expect(out.status, out.stderr).toBe(0)
    const result = JSON.parse(out.stdout) as {
      outcome: string
      clauses: Array<{ id: string; source: string }>
      model: { answered: boolean; problems: string[] }
    }
    expect(result.outcome).toBe('high_scrutiny')
    expect(result.clauses.map((c) => [c.id, c.source])).toEqual([
      ['high_scrutiny.medicine', 'model'],
    ])
    expect(result.model).toEqual({ answered: true, problems: [] })
  })

  it('starts, prints its URL, the one-time admin token and how to create a key, and serves the openai client', async () => {
    const created = JSON.parse(
      warden('key', 'create', '--org', 'acme', '--app', 'web', '--json').stdout,
    ) as { key: string }
    const child = spawn(process.execPath, [main], {
      cwd: dir,
      env: { ...env, WARDEN_PORT: '0', WARDEN_METRICS_PORT: '0' },
    })
    let stdout = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    try {
      await expect.poll(() => stderr, { timeout: 15_000 }).toMatch(/Create an API key/)
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1] ?? ''
      expect(url).not.toBe('')
      expect(stderr).toMatch(/wdb_[A-Za-z0-9_-]{43}/)
      expect(stderr).toContain('npx warden key create --org')
      // The token goes to the terminal only, never into the JSON log lines on stdout.
      expect(stdout).not.toMatch(/wdb_/)
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
  }, 60_000)

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

  it('audit verify exits 0 on an intact checkpointed log and 1, naming the checkpoint, once entries are removed and the head rewound', () => {
    const fresh = mkdtempSync(join(tmpdir(), 'warden-audit-'))
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [bin, ...args], { cwd: fresh, env, encoding: 'utf8' })
    try {
      // Each command appends entries and checkpoints the head as it exits.
      expect(run('key', 'create', '--org', 'acme', '--app', 'one').status).toBe(0)
      expect(run('key', 'create', '--org', 'acme', '--app', 'two').status).toBe(0)
      const ok = run('audit', 'verify', '--json')
      expect(ok.status, ok.stdout + ok.stderr).toBe(0)
      const verdict = JSON.parse(ok.stdout) as { head_seq: number; checkpoints: number }
      expect(verdict).toMatchObject({ ok: true, checkpoints: 2, problems: [], warnings: [] })
      const keyFile = join(fresh, '.warden', 'audit-signing-key.pem')
      expect(statSync(keyFile).mode & 0o777).toBe(0o600)

      const db = new Database(join(fresh, '.warden', 'warden.db'))
      const keep = verdict.head_seq - 2
      const { hash } = db.prepare('select hash from audit_entry where seq = ?').get(keep) as {
        hash: string
      }
      db.prepare('delete from audit_entry where seq > ?').run(keep)
      db.prepare('update audit_head set seq = ?, hash = ?').run(keep, hash)
      db.close()

      const broken = run('audit', 'verify')
      expect(broken.status).toBe(1)
      expect(broken.stdout).toContain(
        `entry ${verdict.head_seq}: checkpoint line 2 recorded the chain at entry ${verdict.head_seq} but the head is at ${keep}`,
      )
    } finally {
      rmSync(fresh, { recursive: true, force: true })
    }
  })

  it('keeps the first admin token through a second start, which says how to get a new one', async () => {
    const home = mkdtempSync(join(tmpdir(), 'warden-token-'))
    const at = { ...env, WARDEN_HOME: home }
    try {
      const first = await startServer(home, at)
      await first.stop()
      const token = /wdb_[A-Za-z0-9_-]{43}/.exec(first.stderr())?.[0] ?? ''
      expect(token).not.toBe('')

      const second = await startServer(home, at)
      try {
        expect(second.stderr()).toMatch(/already issued/)
        expect(second.stderr()).toContain('npx warden admin token')
        expect(second.stderr()).not.toMatch(/wdb_/)
        const issued = spawnSync(process.execPath, [bin, 'admin', 'token', '--json'], {
          cwd: dir,
          env: at,
          encoding: 'utf8',
        })
        expect(issued.status, issued.stderr).toBe(0)
        const fresh = JSON.parse(issued.stdout) as { username: string; token: string }
        expect(fresh.username).toBe('admin')
        expect(fresh.token).toMatch(/^wdb_[A-Za-z0-9_-]{43}$/)
        const login = (t: string) =>
          fetch(`${second.url}/api/admin/login`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ token: t }),
          })
        // `admin token` retired the first token and issued one that signs in.
        expect((await login(token)).status).toBe(401)
        expect((await login(fresh.token)).status).toBe(200)
      } finally {
        await second.stop()
      }
    } finally {
      rmSync(home, { recursive: true, force: true })
    }
  }, 60_000)

  it('migrate says what it applied, then that the database is already up to date', () => {
    const other = mkdtempSync(join(tmpdir(), 'warden-migrate-'))
    const migrate = (...args: string[]) =>
      spawnSync(process.execPath, [bin, 'migrate', ...args], { cwd: other, env, encoding: 'utf8' })
    const first = migrate('--json')
    const again = migrate()
    const third = migrate('--json')
    rmSync(other, { recursive: true, force: true })
    expect(first.status, first.stderr).toBe(0)
    expect(first.stderr).toContain(
      `no database at ${join(other, '.warden', 'warden.db')}; creating a new one`,
    )
    expect(JSON.parse(first.stdout)).toEqual({
      database: `sqlite:${join(other, '.warden', 'warden.db')}`,
      applied: [
        '001-core',
        '002-policy',
        '003-review',
        '004-limits',
        '005-moderation',
        '006-retention',
        '007-usage-signals',
        '008-incidents',
        '009-harm-action',
      ],
    })
    expect(again.stdout).toMatch(/already up to date/)
    expect(again.stderr).toBe('')
    expect(JSON.parse(third.stdout)).toMatchObject({ applied: [] })
  })

  it('prints the package version', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }
    const out = warden('--version')
    expect(out.status).toBe(0)
    expect(out.stdout.trim()).toBe(pkg.version)
  })

  it('finds the database of the nearest folder holding .warden/ from any subfolder', () => {
    const project = mkdtempSync(join(tmpdir(), 'warden-home-'))
    try {
      const sub = join(project, 'src', 'deep')
      mkdirSync(sub, { recursive: true })

      expect(run(project, {}, 'org', 'create', 'root-org').status).toBe(0)
      // From a subfolder: the nearest ancestor holding .warden/.
      expect(orgNames(run(sub, {}, 'org', 'list', '--json'))).toEqual(['root-org'])
    } finally {
      rmSync(project, { recursive: true, force: true })
    }
  })

  it('finds the database beside the config file in use, or in WARDEN_HOME, or at --database', () => {
    const project = mkdtempSync(join(tmpdir(), 'warden-home-'))
    try {
      const sub = join(project, 'src', 'deep')
      mkdirSync(sub, { recursive: true })
      // A config file elsewhere: its folder holds the data.
      const confDir = join(project, 'conf')
      mkdirSync(confDir)
      writeFileSync(join(confDir, 'warden.yaml'), 'log:\n  level: warn\n')
      const created = run(
        sub,
        {},
        '--config',
        join(confDir, 'warden.yaml'),
        'org',
        'create',
        'conf-org',
      )
      expect(created.stderr).toContain(`no database at ${join(confDir, '.warden', 'warden.db')}`)
      expect(
        orgNames(
          run(sub, { WARDEN_CONFIG: join(confDir, 'warden.yaml') }, 'org', 'list', '--json'),
        ),
      ).toEqual(['conf-org'])

      // WARDEN_HOME beats the folder walk.
      expect(orgNames(run(sub, { WARDEN_HOME: confDir }, 'org', 'list', '--json'))).toEqual([
        'conf-org',
      ])

      // --database names the file itself, relative to where it is typed.
      const db = run(project, {}, '--database', 'conf/.warden/warden.db', 'org', 'list', '--json')
      expect(orgNames(db)).toEqual(['conf-org'])
      expect(db.stderr).toBe('')
    } finally {
      rmSync(project, { recursive: true, force: true })
    }
  }, 60_000)

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
      env: { ...plainEnv, WARDEN_PORT: '0', WARDEN_METRICS_PORT: '0' },
    })
    let stdout = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    try {
      await expect.poll(() => stderr, { timeout: 15_000 }).toMatch(/Create an API key/)
      // Log lines leave in batches (at most 250 ms late).
      const warningsOf = () => stdout.split('\n').filter((line) => line.includes('SOME_UNSET_VAR'))
      await expect.poll(() => warningsOf().length, { timeout: 5_000 }).toBe(1)
      const warnings = warningsOf()
      expect(warnings[0]).toContain(
        'providers.openai.apiKey: environment variable SOME_UNSET_VAR is not set',
      )
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1] ?? ''
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

  it('refuses a bad config file at start with one line, every wrong path beneath it, and exit 1', () => {
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
    expect(out.status).toBe(1)
    const [first, ...rest] = out.stderr.trim().split('\n')
    expect(first).toMatch(/^warden: invalid configuration: fix each path below/)
    expect(rest.every((line) => line.startsWith('  - '))).toBe(true)
    expect(out.stderr).toContain('server.port')
    expect(out.stderr).toMatch(/hots/)
    expect(out.stderr).toContain('providers.main.baseUrl')
    expect(out.stderr).toContain('models.0.provider')
    expect(out.stdout).toBe('')
  })

  it('says in one line, with exit 1 and no stack, that the port is in use', async () => {
    const holder = createServer()
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r))
    const port = (holder.address() as AddressInfo).port
    try {
      const home = mkdtempSync(join(tmpdir(), 'warden-port-'))
      const out = spawnSync(process.execPath, [main], {
        cwd: home,
        env: { ...env, WARDEN_PORT: String(port), WARDEN_METRICS_PORT: '0' },
        encoding: 'utf8',
        timeout: 15_000,
      })
      rmSync(home, { recursive: true, force: true })
      expect(out.status).toBe(1)
      expect(out.stderr).toBe(
        `warden: port ${port} is in use: stop what holds it, or set WARDEN_PORT or server.port\n`,
      )
    } finally {
      holder.close()
    }
  })

  it('says in one line, with exit 1 and no stack, that the database cannot be opened', () => {
    const blocker = join(dir, 'a-file')
    writeFileSync(blocker, '')
    const sqlite = spawnSync(process.execPath, [main], {
      cwd: dir,
      env: {
        ...env,
        WARDEN_PORT: '0',
        WARDEN_METRICS_PORT: '0',
        WARDEN_SQLITE_PATH: join(blocker, 'warden.db'),
      },
      encoding: 'utf8',
      timeout: 15_000,
    })
    expect(sqlite.status).toBe(1)
    expect(sqlite.stderr).toMatch(
      /^warden: cannot open the SQLite database .*a-file\/warden\.db \(E[A-Z]+\): make its folder writable, or choose another place with WARDEN_HOME, WARDEN_SQLITE_PATH or --database\n$/,
    )
    const postgres = spawnSync(process.execPath, [bin, 'key', 'list'], {
      cwd: dir,
      env: { ...env, WARDEN_DATABASE_URL: 'postgres://warden:s3cret@127.0.0.1:9/warden' },
      encoding: 'utf8',
      timeout: 15_000,
    })
    expect(postgres.status).toBe(1)
    expect(postgres.stderr).toBe(
      'warden: cannot reach PostgreSQL at postgres://warden:***@127.0.0.1:9/warden (ECONNREFUSED): start it, or set WARDEN_DATABASE_URL, database.url or --database to a running server\n',
    )
  })

  /** Starts `npm start`'s entry point in `cwd` on a free port; resolves once its banner is out. */
  async function startServer(cwd: string, at: NodeJS.ProcessEnv) {
    const child = spawn(process.execPath, [main], {
      cwd,
      env: { ...at, WARDEN_PORT: '0', WARDEN_METRICS_PORT: '0' },
    })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.stdout.resume()
    await expect.poll(() => stderr, { timeout: 15_000 }).toMatch(/Create an API key/)
    return {
      url: /listening on (http:\S+)/.exec(stderr)?.[1] ?? '',
      stderr: () => stderr,
      async stop() {
        child.kill('SIGTERM')
        await new Promise((r) => child.once('exit', r))
      },
    }
  }
})
