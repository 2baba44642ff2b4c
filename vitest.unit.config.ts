import { defineConfig } from 'vitest/config';

/** The unit layer: pure logic and in-process fakes; no global setup, no servers, no Go. */
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    testTimeout: 10_000,
    pool: 'forks',
  },
});
