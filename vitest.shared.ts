import { defineConfig } from 'vitest/config';

/** Shared per-package vitest settings: resolve workspace packages to their sources. */
export const sharedVitestConfig = defineConfig({
  resolve: { conditions: ['@xorida/source', 'node', 'import', 'default'] },
  ssr: { resolve: { conditions: ['@xorida/source', 'node', 'import', 'default'] } },
  test: {
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
