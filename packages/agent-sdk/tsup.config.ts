import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.shared';

// The crypto backends are separate entries and `#crypto` stays external, so the runtime picks
// one through the package.json `imports` conditions instead of the bundler freezing a choice.
export default defineConfig(
  packageBuild(
    {
      index: 'src/index.ts',
      // The one crypto backend, codec and canonical JSON of the platform: the `./crypto` export.
      crypto: 'src/crypto.ts',
      'crypto-node': 'src/lib/crypto/node.ts',
      'crypto-portable': 'src/lib/crypto/portable.ts',
      // Node-only infrastructure (servers, file/Redis stores): the `./node` export.
      'node/index': 'src/node/index.ts',
      // The `xlink` executable (package.json `bin`).
      'node/cli': 'src/node/cli/bin.ts',
    },
    { external: ['#crypto'] },
  ),
);
