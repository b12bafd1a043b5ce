import { defineConfig } from 'vitest/config';

// One project per package (plus the repository scripts); each package's vitest.config.ts resolves workspace packages to their
// TypeScript sources through the `@xorida/source` export condition, so `pnpm test` needs no build.
// Under CI a JSON report is written too: .ci/run prints its totals as the closing line.
export default defineConfig({
  test: {
    projects: [
      'packages/*',
      // Repository tooling (lint scripts) is tested as its own project.
      { test: { name: 'scripts', include: ['scripts/test/**/*.test.ts'], environment: 'node' } },
      // The docs-site tooling (the Chromium site check) likewise.
      { test: { name: 'docs', include: ['docs/tooling/test/**/*.test.ts'], environment: 'node' } },
    ],
    reporters: process.env.CI
      ? ['default', ['json', { outputFile: '.tmp/vitest-results.json' }]]
      : ['default'],
  },
});
