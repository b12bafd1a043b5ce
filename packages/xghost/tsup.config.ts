import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.shared';

export default defineConfig(
  packageBuild(
    { index: 'src/index.ts', 'node/index': 'src/node/index.ts', 'node/cli': 'src/node/cli.ts' },
    { shims: true },
  ),
);
