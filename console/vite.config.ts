import path from 'node:path';
import { defineConfig } from 'vite';

/**
 * The agent console's build: a single-page app served by the gateway at /console, written to
 * dist/console with content-hashed assets (the gateway caches them for good).
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: path.resolve(import.meta.dirname, '../dist/console'),
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    // The console's strict CSP allows no inline code: the module preload helper stays in a file.
    modulePreload: { polyfill: false },
  },
  logLevel: 'warn',
});
