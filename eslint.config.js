import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** A layer's rule: its files (tests and `above` aside) may not import what `forbidden` matches. */
function layer(files, forbidden, message, above = []) {
  return { files, ignores: ['**/*.test.ts', ...above], rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: forbidden, message }] }] } };
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.data/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/cli/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', 'sandbox/main.ts', 'sandbox/cli-commands.ts'],
    rules: { 'no-console': 'off' },
  },
  // The layers (docs/architecture.md, "Layers"): each imports only the ones below it. Each rule
  // names, as a regular expression over the import path, what its files may not import; a later
  // rule replaces an earlier one for the files both cover, so the general rule comes first.
  layer(
    ['src/**/*.ts'],
    '^(\\.\\./)+(app|http)/',
    'A feature exports a service with an explicit dependencies interface: only src/app wires features together, and the HTTP layer sits above them.',
    ['src/app/**', 'src/http/**', 'src/cli/**', 'src/main.ts'],
  ),
  // The general rule leaves src/http out, so this one replaces nothing.
  layer(
    ['src/http/**/*.ts'],
    '^(\\.\\./)+app/',
    'Routes and their middleware take the services they name (HttpServices in src/http/app.ts): only src/app sees the whole context.',
  ),
  layer(['src/domain/**/*.ts'], '^\\.\\./|^[^.]', 'src/domain holds pure vocabulary and rules: it imports only its own modules.'),
  layer(['connectors/**/*.ts'], '/src/(?!domain/)|/config/|/test/', 'A connector imports only src/domain, its own folder, connectors/support and connectors/meta.'),
  layer(
    ['sandbox/**/*.ts'],
    '/(src/(?!domain/)|config/|connectors/|test/)',
    'The sandbox plays the providers: it speaks their wire formats itself and imports nothing of the gateway but src/domain.',
  ),
  layer(
    ['src/store/**/*.ts', 'src/representation/**/*.ts'],
    '^(\\.\\./)+(?!\\.\\./|domain/|store/|clock\\.js|errors\\.js|security/secret-box\\.js)',
    'The store and the representation sit below every feature: they import only src/domain, the store (the representation), the base modules and the sealed-secret type.',
  ),
  layer(
    ['console/**/*.ts', 'console/**/*.tsx'],
    '^(\\.\\./)+(?!\\.\\./|src/domain/)',
    'The console is a client of the public API: beyond its own folder it imports only the domain\'s vocabulary (types).',
  ),
  {
    // The sandbox page runs in the browser.
    files: ['sandbox/web/page.ts'],
    languageOptions: { globals: { document: 'readonly', window: 'readonly', location: 'readonly', history: 'readonly', alert: 'readonly', EventSource: 'readonly', Option: 'readonly' } },
  },
  {
    // Tests read arbitrary JSON responses; typing every body would add noise, not safety.
    files: ['test/**/*.ts', '**/*.test.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
