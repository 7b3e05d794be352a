import { resolve } from 'node:path'
import { ESLint } from 'eslint'
import tseslint from 'typescript-eslint'
import { describe, expect, it } from 'vitest'

const repo = resolve(import.meta.dirname, '..', '..', '..')

/** The repository's ESLint config without type information: the import rule needs none. */
const eslint = new ESLint({ cwd: repo, overrideConfig: tseslint.configs.disableTypeChecked })

/** The dependency-direction messages ESLint reports for `code` placed at `file`. */
async function importProblems(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(repo, file) })
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'warden/dependency-direction')
    .map((m) => m.message)
}

describe('lint of the module table', () => {
  it('rejects an import the module table does not allow, naming both modules', async () => {
    const problems = await importProblems(
      'packages/warden/src/cli/commands/fixture.ts',
      "import { registerAdminRoutes } from '../../http/routes/admin/admin-routes.js'\nexport const x = registerAdminRoutes\n",
    )
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(/^cli\/ may not import http\//)
  })

  it('rejects re-exports and imports that climb from nested folders', async () => {
    const problems = await importProblems(
      'packages/warden/src/providers/fixture.ts',
      "export * from '../store/index.js'\nexport { WardenError } from '../domain/index.js'\n",
    )
    expect(problems).toEqual([expect.stringMatching(/^providers\/ may not import store\//)])
  })

  it('allows what the table allows: access/ to policy/ and contract/, moderation/ to policy/', async () => {
    expect(
      await importProblems(
        'packages/warden/src/access/fixture.ts',
        "import { x } from '../policy/index.js'\nimport { y } from '../contract/index.js'\nexport const z = [x, y]\n",
      ),
    ).toEqual([])
    expect(
      await importProblems(
        'packages/warden/src/moderation/fixture.ts',
        "import { x } from '../policy/index.js'\nexport const z = x\n",
      ),
    ).toEqual([])
  })

  it('keeps testing/ out of everything but tests', async () => {
    const code = (from: string) =>
      `import { startHarness } from '${from}/testing/warden-harness.js'\nexport const h = startHarness\n`
    expect(await importProblems('packages/warden/src/services-fixture.ts', code('.'))).toEqual([
      expect.stringMatching(/testing\/ is imported only by tests/),
    ])
    expect(await importProblems('packages/warden/src/http/app-fixture.ts', code('..'))).toEqual([
      expect.stringMatching(/testing\/ is imported only by tests/),
    ])
    expect(
      await importProblems('packages/warden/src/http/app-fixture.test.ts', code('..')),
    ).toEqual([])
  })
})
