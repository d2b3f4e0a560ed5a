import { defineConfig } from 'vitest/config';

// Tests beside the code (src/**/*.test.ts, the workspace packages' own) and integration/e2e suites under test/.
// globalSetup compiles the project once: worker threads and spawned bot processes run the compiled JS.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'packages/*/src/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
