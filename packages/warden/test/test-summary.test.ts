import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const repo = resolve(import.meta.dirname, '..', '..', '..')
const vitest = join(repo, 'node_modules', 'vitest', 'vitest.mjs')

const FIXTURES = {
  'passes.test.ts': `import { expect, it } from 'vitest'\nit('adds', () => expect(1 + 1).toBe(2))\n`,
  'throws-at-import.test.ts': `import { it } from 'vitest'\nthrow new Error('broken at import')\nit('never runs', () => {})\n`,
  'hook-throws.test.ts': `import { beforeAll, describe, it } from 'vitest'\ndescribe('suite', () => {\n  beforeAll(() => {\n    throw new Error('broken hook')\n  })\n  it('never runs', () => {})\n})\n`,
}

/** Runs this repository's vitest config on a folder of fixture test files. */
function runVitest(root: string): Promise<{ status: number | null; stdout: string }> {
  return new Promise((done) => {
    const child = spawn(
      process.execPath,
      [vitest, 'run', '--config', join(repo, 'vitest.config.ts'), '--root', root],
      { cwd: root, env: { PATH: process.env.PATH, NO_COLOR: '1' }, stdio: 'pipe' },
    )
    let stdout = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.on('close', (status) => done({ status, stdout }))
  })
}

describe('the closing line of a test run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-summary-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('counts a file that throws at import and a suite whose hook throws as failures', async () => {
    const src = join(dir, 'packages', 'fixture', 'src')
    mkdirSync(src, { recursive: true })
    for (const [name, text] of Object.entries(FIXTURES)) writeFileSync(join(src, name), text)
    const out = await runVitest(dir)
    expect(out.status).not.toBe(0)
    expect(out.stdout).toMatch(/^tests: 1 passed, 2 failed, 1 skipped$/m)
  })
})
