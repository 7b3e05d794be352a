import js from '@eslint/js'
import tseslint from 'typescript-eslint'

/**
 * STYLE.md's dependency direction as tiers, lowest first: a folder may import only from
 * tiers below its own (and from itself), never sideways or up.
 */
const tiers = [
  ['domain'],
  ['config', 'contract'],
  ['store', 'limits', 'providers', 'moderation'],
  ['access', 'policy', 'pipeline', 'monitoring', 'review', 'evals', 'disclosure'],
  ['http'],
  ['cli'],
]

const layerRules = tiers.flatMap((tier, level) =>
  tier.map((layer) => {
    const forbidden = tiers
      .slice(level)
      .flat()
      .filter((other) => other !== layer)
    return {
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
    }
  }),
)

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
