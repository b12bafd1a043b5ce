import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.shared';

// Crypto comes from `@xorida/agent-sdk/crypto` (external: a dependency), which picks its backend
// through agent-sdk's `#crypto` conditions at run time. The CLI is the `bin`.
export default defineConfig(
  packageBuild(
    {
      index: 'src/index.ts',
      'node/index': 'src/node/index.ts',
      'node/cli': 'src/node/cli.ts',
    },
    { shims: true },
  ),
);
