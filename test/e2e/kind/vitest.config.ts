import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Used only by test/e2e/kind/run against a live kind cluster (KUBECONFIG). The default config's `unit` and
// `integration` projects do not include test/e2e, so `npm test` never needs Docker.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../../..', import.meta.url)),
    include: ['test/e2e/kind/**/*.e2e.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
