import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.shared';

// The crypto backends are separate entries and `#crypto` stays external, so the runtime picks
// one through the package.json `imports` conditions (as in agent-sdk). The CLI is the `bin`.
export default defineConfig(
  packageBuild(
    {
      index: 'src/index.ts',
      'crypto-node': 'src/lib/crypto/node.ts',
      'crypto-portable': 'src/lib/crypto/portable.ts',
      'node/index': 'src/node/index.ts',
      'node/cli': 'src/node/cli.ts',
    },
    { external: ['#crypto'], shims: true },
  ),
);
