import { defineConfig } from 'vitest/config';

// Unit tests only: pure modules beside their code. Integration suites run through devstack/bin/run.mjs.
export default defineConfig({
  test: {
    include: ['core/**/*.test.ts', 'devstack/src/**/*.test.ts', 'media-relay/src/**/*.test.ts', 'web/src/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/*.integration.test.ts'],
    environment: 'node'
  }
});
