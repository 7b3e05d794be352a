import js from '@eslint/js'
import tseslint from 'typescript-eslint'

/** Folders a module may not import from, per STYLE.md's dependency direction. */
const layers = {
  domain: [
    'config',
    'store',
    'limits',
    'providers',
    'moderation',
    'access',
    'policy',
    'pipeline',
    'monitoring',
    'review',
    'evals',
    'disclosure',
    'http',
    'cli',
  ],
  store: [
    'access',
    'policy',
    'pipeline',
    'monitoring',
    'review',
    'evals',
    'disclosure',
    'http',
    'cli',
    'providers',
  ],
  providers: [
    'store',
    'access',
    'policy',
    'pipeline',
    'monitoring',
    'review',
    'evals',
    'disclosure',
    'http',
    'cli',
  ],
  access: ['pipeline', 'monitoring', 'providers', 'http', 'cli'],
  monitoring: ['access', 'pipeline', 'providers', 'http', 'cli'],
  pipeline: ['store', 'access', 'monitoring', 'http', 'cli'],
  http: ['cli', 'store'],
  contract: ['access', 'store', 'pipeline', 'monitoring', 'providers', 'http', 'cli', 'config'],
}

const layerRules = Object.entries(layers).map(([layer, forbidden]) => ({
  files: [`packages/warden/src/${layer}/**/*.ts`],
  ignores: ['**/*.test.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: forbidden.map((target) => ({
          group: [`**/${target}/*`, `**/${target}/index.js`, `../${target}`, `../../${target}`],
          message: `${layer}/ may not import ${target}/ (see STYLE.md, dependency direction)`,
        })),
      },
    ],
  },
}))

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
  ...layerRules,
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
)
