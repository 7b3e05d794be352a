import { dirname, relative, resolve, sep } from 'node:path'
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

const SRC = resolve(import.meta.dirname, 'packages/warden/src')

/** Files directly under `src/`: the composition root and the entry points. */
const ROOT = '(root files)'

/**
 * ARCHITECTURE.md's module table: each folder under `packages/warden/src/` and the modules it
 * may import. `domain/`, `config/` and the folder itself are allowed everywhere; `testing/` may
 * import anything and only tests may import it. The lint rules below are derived from this.
 */
const MODULES = {
  domain: [],
  config: ['domain'],
  contract: ['domain'],
  store: ['domain', 'config'],
  policy: ['store'],
  providers: [],
  limits: ['policy'],
  moderation: ['policy', 'providers'],
  access: ['store', 'policy', 'contract'],
  monitoring: ['store', 'policy'],
  review: ['store', 'policy', 'access', 'moderation'],
  evals: ['store', 'policy', 'providers', 'moderation'],
  disclosure: ['store', 'policy', 'monitoring', 'review', 'evals'],
  pipeline: ['policy', 'access', 'limits', 'moderation', 'providers'],
  http: [
    ...['contract', 'store', 'policy', 'providers', 'limits', 'moderation', 'access'],
    ...['monitoring', 'review', 'evals', 'disclosure', 'pipeline'],
  ],
  // Every module above except http/; the composition root too, since the CLI is an entry point
  // beside main.ts (docs/decisions.md, 6).
  // `warden simulate`: synthetic traffic through a real Warden, which it starts through the
  // composition root and serve.ts like the CLI does (docs/decisions.md, 20).
  simulation: [
    ...['contract', 'store', 'policy', 'providers', 'limits', 'moderation', 'access'],
    ...['monitoring', 'review', 'evals', 'disclosure', 'pipeline', ROOT],
  ],
  cli: [
    ...['contract', 'store', 'policy', 'providers', 'limits', 'moderation', 'access'],
    ...['monitoring', 'review', 'evals', 'disclosure', 'pipeline', 'simulation', ROOT],
  ],
}
const TESTING = 'testing'
const EVERYWHERE = ['domain', 'config']

/** Which module a source file belongs to, or undefined outside `src/`. */
function moduleOf(file) {
  const path = relative(SRC, file)
  if (path.startsWith('..') || path === '') return undefined
  const parts = path.split(sep)
  return parts.length === 1 ? ROOT : parts[0]
}

const isTest = (file) =>
  file.endsWith('.test.ts') || relative(resolve(SRC, '../test'), file).split(sep)[0] !== '..'

/** Whether `from` may import `to`; returns the reason when it may not. */
function importProblem(from, to) {
  if (to === undefined || to === from || from === TESTING) return undefined
  if (to === TESTING) return 'testing/ is imported only by tests'
  if (from === ROOT) return undefined
  const allowed = MODULES[from]
  if (allowed === undefined) return `${from}/ has no row in the module table`
  if (EVERYWHERE.includes(to) || allowed.includes(to)) return undefined
  const name = (m) => (m === ROOT ? m : `${m}/`)
  const list = [...EVERYWHERE, ...allowed].map(name).join(', ')
  return `${name(from)} may not import ${name(to)} (ARCHITECTURE.md module table: ${name(from)} may import ${list})`
}

/** Resolves every relative import of a file under `src/` and checks it against the table. */
const dependencyDirection = {
  meta: { type: 'problem', schema: [], messages: { forbidden: '{{problem}}' } },
  create(context) {
    const file = context.filename
    const from = moduleOf(file)
    if (from === undefined || isTest(file)) return {}
    const check = (node) => {
      const source = node.source
      if (source?.type !== 'Literal' || typeof source.value !== 'string') return
      if (!source.value.startsWith('.')) return
      const problem = importProblem(from, moduleOf(resolve(dirname(file), source.value)))
      if (problem) context.report({ node: source, messageId: 'forbidden', data: { problem } })
    }
    return {
      ImportDeclaration: check,
      ExportAllDeclaration: check,
      ExportNamedDeclaration: check,
      ImportExpression: check,
    }
  },
}

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'bench-results/**',
      '**/*.mjs',
      'packages/warden/bin/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // The check config covers sources and tests alike; the build config leaves tests out.
        project: [
          'packages/warden/tsconfig.check.json',
          'packages/console/tsconfig.json',
          'tsconfig.tools.json',
        ],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Read the environment only in config/ (STYLE.md).',
        },
      ],
    },
  },
  {
    files: [
      'packages/warden/src/config/**/*.ts',
      '**/*.test.ts',
      'packages/warden/test/**/*.ts',
      'eslint.config.js',
      'vitest.config.ts',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['packages/warden/**/*.ts'],
    plugins: { warden: { rules: { 'dependency-direction': dependencyDirection } } },
    rules: { 'warden/dependency-direction': 'error' },
  },
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
)
