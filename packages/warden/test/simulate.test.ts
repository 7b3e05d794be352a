import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const bin = join(resolve(import.meta.dirname, '..'), 'bin', 'warden.js')
const postgresUrl = process.env.WARDEN_TEST_DATABASE_URL ?? ''

interface SimulateJson {
  seed: string
  database: string
  requests: { normal: number; abusive: number; sent: number; by_status: Record<string, number> }
  detectors: Array<{
    detector: string
    planted: number
    detected: number
    recall: number | null
    precision: number | null
    false_on_normal_subjects: number
    max_seconds_to_detect: number | null
  }>
  goals: Array<{ goal: string; met: boolean; figures: string }>
  false_positives: Array<{ detector: string; on_normal_subject: boolean; summary: string }>
  episodes: Array<{ kind: string; seconds_to_detect: number | null }>
}

/** A small run: eight normal applications, one episode of each kind, four simulated hours. */
const SMALL = ['--seed', 'e2e', '--apps', '8', '--requests', '1000', '--hours', '4']

const dir = mkdtempSync(join(tmpdir(), 'warden-simulate-test-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Runs `warden simulate … --json` as a user would, in an empty folder with a bare environment. */
function simulate(
  ...args: string[]
): Promise<{ code: number | null; json: SimulateJson; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bin, 'simulate', ...args, '--json'], {
      cwd: dir,
      env: { PATH: process.env.PATH },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    child.on('error', reject)
    child.on('close', (code) => {
      try {
        resolvePromise({ code, json: JSON.parse(stdout) as SimulateJson, stderr })
      } catch (error) {
        reject(new Error(`not JSON (exit ${code}): ${stdout}\n${stderr}`, { cause: error }))
      }
    })
  })
}

describe('warden simulate', () => {
  let sqlite: SimulateJson

  it('finds every planted episode and raises nothing on normal applications (SQLite)', async () => {
    const run = await simulate(...SMALL, '--episodes', '1')
    expect(run.code, run.stderr).toBe(0)
    sqlite = run.json
    expect(sqlite.database).toBe('sqlite')
    expect(sqlite.requests.normal).toBe(1000)
    expect(sqlite.requests.sent).toBeGreaterThan(1000 + sqlite.requests.abusive - 1)
    // Requests really went through Warden: answers, refusals of the filter and of the limits.
    expect(sqlite.requests.by_status['200']).toBeGreaterThan(1000)
    expect(sqlite.requests.by_status['429']).toBeGreaterThan(0)
    expect(sqlite.detectors.map((d) => d.detector).sort()).toEqual(
      [
        'filter_probing',
        'jailbreak_run',
        'key_sharing',
        'near_duplicate',
        'sandbox_abuse',
        'volume_spike',
      ].sort(),
    )
    for (const d of sqlite.detectors) {
      expect({ detector: d.detector, planted: d.planted, detected: d.detected }).toEqual({
        detector: d.detector,
        planted: 1,
        detected: 1,
      })
      expect(d.false_on_normal_subjects).toBe(0)
    }
    expect(sqlite.false_positives.filter((f) => f.on_normal_subject)).toEqual([])
    const fast = sqlite.detectors.filter((d) =>
      ['volume_spike', 'key_sharing'].includes(d.detector),
    )
    for (const d of fast) expect(d.max_seconds_to_detect).toBeLessThanOrEqual(60)
  })

  it.runIf(postgresUrl !== '')(
    'gives the same figures on PostgreSQL, in a schema of its own',
    async () => {
      const run = await simulate(...SMALL, '--episodes', '1', '--database-url', postgresUrl)
      expect(run.code, run.stderr).toBe(0)
      expect(run.json.database).toBe('postgres')
      expect(run.json.detectors).toEqual(sqlite.detectors)
      expect(run.json.episodes).toEqual(sqlite.episodes)
    },
  )

  it('refuses a flag it cannot use, with one line saying which', async () => {
    const child = spawn(process.execPath, [bin, 'simulate', '--apps', 'many'], {
      cwd: dir,
      env: { PATH: process.env.PATH },
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    const code = await new Promise<number | null>((done) => child.on('close', done))
    expect(code).toBe(1)
    expect(stderr).toBe('warden: --apps must be a whole number from 1 to 2000, not "many"\n')
  })
})
