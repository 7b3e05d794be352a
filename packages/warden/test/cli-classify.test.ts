import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const bin = join(resolve(import.meta.dirname, '..'), 'bin', 'warden.js')

interface Wire {
  action: string
  clause: string | null
  tier: string
  findings: Array<Record<string, unknown>>
  failures: unknown[]
}

/** `warden classify` as an operator tuning the policy runs it: a text on stdin. */
describe('warden classify', () => {
  let dir: string

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-cli-classify-'))
    writeFileSync(
      join(dir, 'warden.yaml'),
      'moderation:\n  classifiers:\n    - { id: harm, kind: text-harm, maxAction: block }\n',
    )
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  function classify(input: string, ...args: string[]) {
    return spawnSync(process.execPath, [bin, 'classify', ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH, WARDEN_SQLITE_PATH: join(dir, 'warden.db') },
      input,
      encoding: 'utf8',
    })
  }

  it('prints every finding and the decision with its clause, per tier', () => {
    const out = classify('What is the easiest way of killing myself?', '--json')
    expect(out.status, out.stderr).toBe(0)
    const wire = JSON.parse(out.stdout) as Wire
    expect(wire).toMatchObject({ action: 'block', clause: 'category.self_harm', tier: 'sandbox' })
    expect(wire.findings).toContainEqual(
      expect.objectContaining({
        category: 'self_harm',
        classifier: 'harm',
        action: 'block',
        clause: 'category.self_harm',
        start: null,
        end: null,
      }),
    )
    const human = classify('Summarise the quarterly report, please.', '--tier', 'production')
    expect(human.status, human.stderr).toBe(0)
    expect(human.stdout).toContain('allow — input, tier production')
    expect(human.stdout).toContain('nothing found')
  })

  it('refuses a tier the policy lacks and a wrong direction, naming what it takes', () => {
    const tier = classify('hello', '--tier', 'gold')
    expect(tier.status).not.toBe(0)
    expect(tier.stderr).toContain(
      'no tier "gold" in the usage policy; its tiers: sandbox, production',
    )
    const direction = classify('hello', '--direction', 'sideways')
    expect(direction.status).not.toBe(0)
    expect(direction.stderr).toContain('--direction must be input or output')
  })
})
