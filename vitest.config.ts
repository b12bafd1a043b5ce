import { defineConfig } from 'vitest/config';

// One project per package; each package's vitest.config.ts resolves workspace
// packages to their TypeScript sources through the `@xorida/source` export condition,
// so `pnpm test` needs no build step.
export default defineConfig({
  test: {
    projects: ['packages/*'],
  },
});
