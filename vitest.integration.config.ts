import { defineConfig } from 'vitest/config';

// Integration suites: run against a started devstack (real Postgres, HTTP and WebSockets).
export default defineConfig({
  test: {
    // edge-functions/ tests are Deno's (deno test), run by their own step.
    include: ['devstack/src/**/*.integration.test.ts', 'media-relay/src/**/*.integration.test.ts'],
    exclude: ['**/node_modules/**'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    fileParallelism: false
  }
});
