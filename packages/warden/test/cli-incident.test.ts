import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config/index.js'
import { createLogger } from '../src/logger.js'
import { providerKinds } from '../src/providers/index.js'
import { createServices } from '../src/services.js'
import { usageEventOf } from '../src/testing/usage-events.js'

const bin = join(resolve(import.meta.dirname, '..'), 'bin', 'warden.js')

interface Json {
  [key: string]: unknown
}

/** `warden incident` and `warden usage --daily` as an operator runs them, on a SQLite file. */
describe('warden incident', () => {
  let dir: string
  let key: { id: string; app_id: string; org_id: string }

  function warden(...args: string[]) {
    return spawnSync(process.execPath, [bin, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH, WARDEN_SQLITE_PATH: join(dir, 'warden.db') },
      encoding: 'utf8',
    })
  }
  const json = <T = Json>(out: ReturnType<typeof warden>): T => {
    expect(out.status, out.stderr).toBe(0)
    return JSON.parse(out.stdout) as T
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warden-cli-incident-'))
    key = json(warden('key', 'create', '--org', 'acme', '--app', 'bot', '--json'))
    // A server's monitor reads a leaked key's traffic: 20 addresses in a few minutes.
    const config = loadConfig({
      env: { WARDEN_SQLITE_PATH: join(dir, 'warden.db') },
      file: undefined,
      cwd: dir,
      providerKinds,
    })
    const s = await createServices(config, { logger: createLogger({ level: 'silent' }) })
    try {
      await s.monitor.tick()
      const start = Date.UTC(2025, 5, 1, 12)
      for (let i = 0; i < 20; i += 1) {
        s.usage.record(
          usageEventOf({
            at: start + i * 10_000,
            keyId: key.id,
            appId: key.app_id,
            orgId: key.org_id,
            model: 'stub-model',
            clientSource: `203.0.113.${i}`,
          }),
        )
      }
      await s.usage.flush()
      await s.monitor.tick()
    } finally {
      await s.close()
    }
  })
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  it('lists and shows the incident with its evidence and the suspension the policy applied', () => {
    const list = json<Json[]>(warden('incident', 'list', '--detector', 'key_sharing', '--json'))
    expect(list).toHaveLength(1)
    expect(list[0]).toMatchObject({
      detector: 'key_sharing',
      subject: { kind: 'key', id: key.id },
      severity: 'high',
      status: 'mitigated',
    })
    const shown = warden('incident', 'show', String(list[0]?.id))
    expect(shown.status, shown.stderr).toBe(0)
    expect(shown.stdout).toContain('key_sharing on key')
    expect(shown.stdout).toMatch(/suspend_key\s+applied/)
    expect(shown.stdout).toMatch(/notify\s+skipped/)
    const keys = json<Json[]>(warden('key', 'list', '--json'))
    expect(keys[0]?.suspended_at).toEqual(expect.any(Number))
  })

  it('lifts the suspension, refuses to acknowledge a mitigated incident, and closes it with a note', () => {
    const [incident] = json<Json[]>(warden('incident', 'list', '--json'))
    const detail = json<{ mitigations: Json[] }>(
      warden('incident', 'show', String(incident?.id), '--json'),
    )
    const suspension = detail.mitigations.find((m) => m.kind === 'suspend_key')
    const lifted = json(
      warden('incident', 'lift', String(suspension?.id), '--reason', 'key rotated', '--json'),
    )
    expect(lifted).toMatchObject({ state: 'lifted', lifted_by: 'cli' })
    expect(json<Json[]>(warden('key', 'list', '--json'))[0]?.suspended_at).toBeNull()

    expect(warden('incident', 'ack', String(incident?.id)).status).toBe(1)
    const closed = json(
      warden('incident', 'close', String(incident?.id), '--note', 'customer rotated it', '--json'),
    )
    expect(closed).toMatchObject({ status: 'closed', notes: [{ text: 'customer rotated it' }] })
    const again = warden('incident', 'close', String(incident?.id))
    expect(again.status).toBe(1)
    expect(again.stderr).toContain('cannot be closed')
  })

  it('refuses a bad filter in one line', () => {
    const bad = warden('incident', 'list', '--status', 'burning')
    expect(bad.status).toBe(1)
    expect(bad.stderr).toMatch(/^warden: --status: /)
  })

  it('prints usage per application, day and model', () => {
    const days = json<Json[]>(
      warden(
        'usage',
        '--daily',
        '--org',
        'acme',
        '--from',
        '2025-06-01',
        '--to',
        '2025-06-01',
        '--json',
      ),
    )
    expect(days).toEqual([
      expect.objectContaining({
        app_id: key.app_id,
        day: '2025-06-01',
        model: 'stub-model',
        requests: 20,
        ok: 20,
        prompt_tokens: 400,
        completion_tokens: 600,
      }),
    ])
  })
})
