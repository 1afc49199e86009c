// Lint: ESLint's and typescript-eslint's recommended rules over the extension, the CLI, the tests,
// the benchmarks and the build scripts. Type-checking is `npm run typecheck` (tsc), not this.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'python/**', '**/*.vsix', 'test/screenshots/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['test/**', 'bench/**'],
    languageOptions: { globals: { ...globals.mocha } },
    rules: {
      // Tests read JSON of known shape (MLflow's expected.json, CLI output) without restating it as types.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // page.evaluate() callbacks run in the browser.
    files: ['src/webview/**', 'test/harness/**', 'test/ui/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
