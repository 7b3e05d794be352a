import { spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, type Harness } from '../src/testing/warden-harness.js'

const bin = join(resolve(import.meta.dirname, '..'), 'bin', 'warden.js')
const redisUrl = process.env.WARDEN_TEST_REDIS_URL ?? ''

/** `warden usage` as an operator runs it beside a server that counts in Redis. */
describe.runIf(redisUrl !== '')('warden usage', () => {
  let h: Harness
  let dir: string

  beforeAll(async () => {
    const prefix = `warden-test:${randomUUID()}:`
    h = await startHarness({
      env: { WARDEN_REDIS_URL: redisUrl },
      values: { limits: { enabled: true, redisPrefix: prefix } },
    })
    dir = mkdtempSync(join(tmpdir(), 'warden-cli-usage-'))
    writeFileSync(
      join(dir, 'warden.yaml'),
      `database:\n  sqlitePath: ${JSON.stringify(h.config.database.sqlitePath)}\n` +
        `limits:\n  redisPrefix: ${JSON.stringify(prefix)}\n`,
    )
  })
  afterAll(async () => {
    await h.close()
    rmSync(dir, { recursive: true, force: true })
  })

  function warden(env: Record<string, string>, ...args: string[]) {
    return spawnSync(process.execPath, [bin, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH, ...env },
      encoding: 'utf8',
    })
  }

  it('reads what the server counted in Redis: per organization, application and key', async () => {
    // Minute counters start afresh on the wall clock's minute: the requests and both reads must
    // fall in one minute, and the two reads spawn a process each (seconds on a busy machine).
    const leftInMinute = 60_000 - (Date.now() % 60_000)
    if (leftInMinute < 25_000) await new Promise((done) => setTimeout(done, leftInMinute + 50))
    const key = await h.createKey({ org: 'cli-org', app: 'cli-app' })
    for (let i = 0; i < 2; i += 1) {
      const res = await fetch(`${h.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'stub-model',
          messages: [{ role: 'user', content: 'hi' }],
          max_tokens: 20,
        }),
      })
      expect(res.status).toBe(200)
      await res.text()
    }
    const out = warden({ WARDEN_REDIS_URL: redisUrl }, 'usage', '--org', 'cli-org', '--json')
    expect(out.status, out.stderr).toBe(0)
    const view = JSON.parse(out.stdout) as {
      counters: string
      applications: Array<{
        name: string
        limits: Array<{ name: string; used: number; limit: number }>
      }>
    }
    expect(view.counters).toBe('redis')
    const rpm = view.applications[0]?.limits.find((l) => l.name === 'requests_per_minute')
    expect(rpm).toMatchObject({ used: 2, limit: 20 })

    const human = warden({ WARDEN_REDIS_URL: redisUrl }, 'usage', '--org', 'cli-org')
    expect(human.status, human.stderr).toBe(0)
    expect(human.stdout).toMatch(/app cli-app \(sandbox\): rpm 2\/20 \(18 left\)/)
  }, 60_000)

  it('says where to look when the counters live in the server process', () => {
    const out = warden({}, 'usage', '--org', 'cli-org')
    expect(out.status).toBe(1)
    expect(out.stderr).toContain('the limits count in the server process')
    expect(warden({ WARDEN_REDIS_URL: redisUrl }, 'usage', '--org', 'nobody').stderr).toContain(
      'no organization "nobody"',
    )
  })
})
