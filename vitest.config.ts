import { defineConfig } from 'vitest/config'
import type { Reporter } from 'vitest/node'

/** Ends the run with one plain line that any CI can read: `tests: N passed, N failed`. */
const plainSummary: Reporter = {
  onTestRunEnd(testModules) {
    const counts = { passed: 0, failed: 0, skipped: 0, pending: 0 }
    for (const module of testModules) {
      for (const test of module.children.allTests()) counts[test.result().state] += 1
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
