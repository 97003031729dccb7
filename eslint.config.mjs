import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const NO_FOCUSED_TESTS = {
  selector: "CallExpression[callee.object.name=/^(describe|it)$/][callee.property.name='only']",
  message: 'Focused tests (.only) must not be committed.',
};

/** A test, benchmark or script must run the Node-RED that CW_NODE_RED chooses. */
const NO_DIRECT_NODE_RED = {
  selector:
    "CallExpression[arguments.0.type='Literal'][arguments.0.value=/^(node-red(\\/|$)|@node-red\\/)/]:not([callee.object.name='nodeRed'])",
  message:
    'Load Node-RED through `nodeRed` (test/helpers/node-red-under-test.ts) or selectedNodeRed() (scripts/supported-versions.js), so CW_NODE_RED chooses which one runs.',
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      '.tools/',
      'dist/',
      'resources/',
      '.demo/',
      'test-artifacts/',
      'bench/out/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', NO_FOCUSED_TESTS],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
        __filename: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['test/**', 'bench/**', 'scripts/**'],
    ignores: ['scripts/supported-versions.js'],
    rules: { 'no-restricted-syntax': ['error', NO_FOCUSED_TESTS, NO_DIRECT_NODE_RED] },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module' },
  },
);
