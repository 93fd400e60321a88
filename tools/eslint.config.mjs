// ESLint for the project's JavaScript (make lint-js, run from the repository
// root with --config): the recommended rules, and for each file the globals of
// where it runs: the page, its workers, Node, or Node driving a browser.

import js from '@eslint/js';
import globals from 'globals';

export default [
  { ignores: ['**/node_modules/', 'pkg/', 'www/pkg/', 'target/', 'examples/*/dist/'] },
  js.configs.recommended,
  {
    files: ['www/js/*.js', 'tools/bench/page.js', 'examples/*/main.js', 'examples/*/src/*.js'],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['www/js/train-worker.js', 'www/js/shard-worker.js', 'www/js/set-worker.js'],
    languageOptions: { globals: globals.worker },
  },
  { files: ['www/js/boot.js'], languageOptions: { sourceType: 'script' } },
  { files: ['www/sw.js'], languageOptions: { sourceType: 'script', globals: globals.serviceworker } },
  // The npm package runs in browsers and in Node.
  { files: ['npm/*.js'], languageOptions: { globals: globals['shared-node-browser'] } },
  // The custom element runs in browsers only.
  { files: ['npm/lenet-pad.js'], languageOptions: { globals: globals.browser } },
  { files: ['**/*.mjs'], languageOptions: { globals: globals.node } },
  // Node scripts that drive Chromium: their page.evaluate callbacks run in the page.
  {
    files: [
      'tests/e2e/*.mjs',
      'tests/engines/*.mjs',
      'tests/package/*.test.mjs',
      'tools/soak-page.mjs',
      'tools/bench/chromium.mjs',
      'tools/bench/longtasks.mjs',
      'tools/bench/train-all.mjs',
      'tools/bench/page-handwriting.mjs',
      'tools/bench/page-numbers.mjs',
      'tools/bench/figures.mjs',
    ],
    languageOptions: { globals: globals.browser },
  },
];
