import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.shared';

// The worker and the CLI are their own entries: the worker is loaded by URL next to
// dist/node/index.js, the CLI is the package's `bin`. `shims` gives the CJS build an
// `import.meta.url` so the worker URL resolves there too.
export default defineConfig(
  packageBuild(
    {
      index: 'src/index.ts',
      'node/index': 'src/node/index.ts',
      'node/chunk-worker': 'src/node/chunk-worker.ts',
      'node/cli': 'src/node/cli.ts',
    },
    { shims: true },
  ),
);
