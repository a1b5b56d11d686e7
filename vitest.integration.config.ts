import { defineConfig } from 'vitest/config';

// Integration tier: talks to a real dockerd and builds images; slow, run one file at a time.
export default defineConfig({
  test: {
    include: ['test/**/*.itest.ts'],
    testTimeout: 20 * 60_000,
    hookTimeout: 20 * 60_000,
    fileParallelism: false,
  },
});
