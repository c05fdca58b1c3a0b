// Lint of the browser code the binary serves (console, widget, shared helpers). Run from the
// repository root: .ci/lint-web.
import js from '@eslint/js';
import globals from 'globals';

const web = ['crates/beseda-server/console/**/*.js', 'crates/beseda-server/common/**/*.js',
  'crates/beseda-server/widget/**/*.js'];

export default [
  { ignores: ['**/node_modules/**', 'target/**', 'e2e/artifacts/**'] },
  {
    files: web,
    ...js.configs.recommended,
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.browser } },
    rules: {
      ...js.configs.recommended.rules,
      'no-implicit-globals': 'error',
      'no-restricted-properties': ['error',
        { property: 'innerHTML', message: 'Put text into the page as text (el/textContent) or through common/markdown.js.' },
        { property: 'outerHTML', message: 'Put text into the page as text.' },
        { property: 'insertAdjacentHTML', message: 'Put text into the page as text.' }],
      'no-eval': 'error',
      'no-new-func': 'error',
      eqeqeq: ['error', 'smart'],
      'no-unused-vars': ['error', { caughtErrors: 'none' }],
      'no-empty': ['error', { allowEmptyCatch: true }]
    }
  },
  {
    // The loader sites embed is a classic script.
    files: ['crates/beseda-server/widget/loader.js'],
    languageOptions: { sourceType: 'script' }
  }
];
