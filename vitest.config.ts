import { defineConfig } from 'vitest/config'
import type { Reporter, TestModule, TestSuite } from 'vitest/node'

/** Files and suites that failed outside any test: an import that threw, a broken `beforeAll`. */
function collectionFailures(parent: TestModule | TestSuite): number {
  let failures = parent.errors().length > 0 ? 1 : 0
  for (const suite of parent.children.allSuites()) failures += suite.errors().length > 0 ? 1 : 0
  return failures
}

/**
 * Ends the run with one plain line that any CI can read: `tests: N passed, N failed`. A file
 * that fails to load, a suite whose hook threw and an unhandled error each count as a failure,
 * so the line never says 0 failed about a run that failed.
 */
const plainSummary: Reporter = {
  onTestRunEnd(testModules, unhandledErrors) {
    const counts = { passed: 0, failed: unhandledErrors.length, skipped: 0, pending: 0 }
    for (const module of testModules) {
      for (const test of module.children.allTests()) counts[test.result().state] += 1
      counts.failed += collectionFailures(module)
    }
    const skipped = counts.skipped + counts.pending
    process.stdout.write(
      `\ntests: ${counts.passed} passed, ${counts.failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`,
    )
  },
}

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default', plainSummary],
  },
})
