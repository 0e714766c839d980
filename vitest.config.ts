import { defineConfig } from 'vitest/config';

/** Tests that need the real services (store, Redis, Dovecot): everything under test/ and *.integration.test.ts. */
const INTEGRATION = ['test/**/*.test.ts', '**/*.integration.test.ts'];

export default defineConfig({
  test: {
    projects: [
      {
        // Pure code beside its sources: no services, no global setup, files in parallel.
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'connectors/**/*.test.ts', 'config/**/*.test.ts', 'sandbox/**/*.test.ts', 'console/**/*.test.ts'],
          exclude: ['**/node_modules/**', ...INTEGRATION],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: INTEGRATION,
          exclude: ['**/node_modules/**'],
          globalSetup: ['test/support/global-setup.ts'],
          // Deadlines are failure guards only (tests wait for the state they assert), sized for a
          // loaded 2-core machine.
          testTimeout: 60_000,
          hookTimeout: 120_000,
          pool: 'forks',
          // Files share one store, one Redis and one Dovecot, and some restart Dovecot on purpose:
          // run them one at a time so a restart in one file never cuts another's connections.
          fileParallelism: false,
        },
      },
    ],
  },
});
