import { defineConfig } from 'vitest/config';

// Engine26 tier: Docker 26 (BuildKit v0.13, buildx 0.13.1, containerd store, crun + WasmEdge)
// from scripts/ci/engine26.sh, driven through scripts/ci/docker26. Slow; one file at a time.
export default defineConfig({
  test: {
    include: ['test/**/*.e26test.ts'],
    testTimeout: 20 * 60_000,
    hookTimeout: 20 * 60_000,
    fileParallelism: false,
  },
});
