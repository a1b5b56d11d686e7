import { defineConfig } from 'vitest/config';

// Unit tier: no docker. Integration tests (*.itest.ts) have their own config.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
  },
});
