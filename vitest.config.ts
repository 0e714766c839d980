import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts', 'connectors/**/*.test.ts', 'templates/**/*.test.ts', 'config/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Files share one Dovecot, one FerretDB and one Redis, and some restart Dovecot on purpose:
    // run them one at a time so a restart in one file never cuts another's connections.
    fileParallelism: false,
  },
});
