import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const bin = join(resolve(import.meta.dirname, '..'), 'bin', 'warden.js')

/** `warden limits` as an operator runs it: the built command, a real process, a SQLite file. */
describe('warden limits', () => {
  let dir: string
  let keyId: string

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-cli-limits-'))
    const created = warden('key', 'create', '--org', 'acme', '--app', 'bot', '--json')
    expect(created.status, created.stderr).toBe(0)
    keyId = (JSON.parse(created.stdout) as { id: string }).id
  })
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  function warden(...args: string[]) {
    return spawnSync(process.execPath, [bin, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH, WARDEN_SQLITE_PATH: join(dir, 'warden.db') },
      encoding: 'utf8',
    })
  }
  const json = (out: ReturnType<typeof warden>) => {
    expect(out.status, out.stderr).toBe(0)
    return JSON.parse(out.stdout) as { level: string; id: string; overrides: unknown }
  }

  it('sets some limits of an application, keeps the others, and shows them', () => {
    json(warden('limits', 'set', '--org', 'acme', '--app', 'bot', '--rpm', '100', '--json'))
    json(
      warden(
        'limits',
        'set',
        '--org',
        'acme',
        '--app',
        'bot',
        '--model',
        'gpt-4o*',
        '--tpm',
        '5000',
        '--json',
      ),
    )
    const set = json(
      warden('limits', 'set', '--org', 'acme', '--app', 'bot', '--tpd', '90000', '--json'),
    )
    expect(set).toMatchObject({
      level: 'app',
      overrides: {
        limits: { requests_per_minute: 100, tokens_per_day: 90000 },
        models: { 'gpt-4o*': { tokens_per_minute: 5000 } },
      },
    })
    const shown = warden('limits', 'show', '--org', 'acme', '--app', 'bot')
    expect(shown.stdout).toContain(
      'requests_per_minute 100, tokens_per_day 90000; gpt-4o*: tokens_per_minute 5000',
    )
  })

  it('limits a key by its id and an organization by its name, and clears them', () => {
    expect(json(warden('limits', 'set', '--key', keyId, '--concurrent', '3', '--json'))).toEqual({
      level: 'key',
      id: keyId,
      overrides: { limits: { concurrent_requests: 3 } },
    })
    json(warden('limits', 'set', '--org', 'acme', '--tpd', '1000000', '--json'))
    expect(json(warden('limits', 'clear', '--org', 'acme', '--json')).overrides).toBeNull()
    expect(warden('limits', 'show', '--org', 'acme').stdout).toContain('no limits set')
    const db = new Database(join(dir, 'warden.db'), { readonly: true })
    const actions = db
      .prepare("select action from audit_entry where action like 'limits.%' order by seq")
      .all() as Array<{ action: string }>
    db.close()
    expect(actions.map((a) => a.action)).toEqual([
      'limits.set',
      'limits.set',
      'limits.set',
      'limits.set',
      'limits.set',
      'limits.clear',
    ])
  })

  it('refuses what it cannot apply, with one line and exit 1', () => {
    const cases: Array<[string[], string]> = [
      [
        ['limits', 'set', '--org', 'acme'],
        'give at least one of --rpm, --tpm, --tpd, --concurrent',
      ],
      [
        ['limits', 'set', '--org', 'acme', '--rpm', '0'],
        '--rpm must be a whole number of at least 1',
      ],
      [['limits', 'set', '--org', 'acme', '--tpm', '1.5'], '--tpm must be a whole number'],
      [['limits', 'set', '--org', 'nobody', '--rpm', '5'], 'no organization "nobody"'],
      [['limits', 'show', '--key', keyId, '--org', 'acme'], '--key names a key on its own'],
      [['limits', 'show'], 'name what to limit'],
      [['limits', 'set', '--key', 'key_missing', '--rpm', '5'], 'no API key "key_missing"'],
    ]
    for (const [args, message] of cases) {
      const out = warden(...args)
      expect(out.status, args.join(' ')).toBe(1)
      expect(out.stderr).toContain(message)
      expect(out.stderr.trim().split('\n')).toHaveLength(1)
    }
  })
})
