/**
 * `modelguard restore <manifest> --nodes a,b --out file`: rebuilds the model from at least k
 * node directories, routing around bad nodes.
 *
 * Pitfall: a signed manifest restored without `--trusted-key` prints a warning on stderr (even
 * under `--json`, so stdout stays one JSON object); `--require-signature` makes it a failure.
 *
 * @module
 */
import { type CliProgram, envOption } from '@xorida/agent-sdk/node';
import { modelDigestLabel } from '../lib/tag-list.js';
import { openNodeSpec } from './cli-node-args.js';
import {
  describeClaims,
  failWith,
  nodeDirs,
  progressBar,
  readManifestAndKey,
  trustedKeyOption,
  workersOption,
} from './cli-shared.js';
import { reconstructFile } from './reconstruct-file.js';

interface RestoreOptions {
  nodes: string[];
  out: string;
  trustedKey?: string;
  requireSignature?: boolean;
  workers?: number;
}

/**
 * Adds `restore` to the program.
 * @param cli the modelguard program
 */
export function addRestoreCommand(cli: CliProgram): void {
  cli.program
    .command('restore <manifest>')
    .description('restore the model from at least k node directories')
    .requiredOption('--nodes <dirs>', 'comma-separated node directories', nodeDirs)
    .requiredOption('--out <file>', 'output file')
    .addOption(trustedKeyOption())
    .addOption(
      envOption(
        '--require-signature',
        'fail unless the signature is checked (needs --trusted-key)',
        'MODELGUARD_REQUIRE_SIGNATURE',
      ),
    )
    .addOption(workersOption())
    .action(async (manifestPath: string, o: RestoreOptions) => {
      const { manifest: m, trustedPublicKey } = readManifestAndKey(cli, manifestPath, o.trustedKey);
      if (!trustedPublicKey && (o.requireSignature || m.signature)) {
        const unchecked = {
          code: 'INVALID_CONFIG',
          message: m.signature
            ? 'the manifest signature was not checked (no --trusted-key)'
            : 'the manifest is not signed and --require-signature was given',
          hint: 'Pass --trusted-key with the owner public key to check the signature.',
          field: 'trusted-key',
        };
        if (o.requireSignature) failWith(cli, unchecked);
        cli.io.err(`modelguard: warning: ${unchecked.message}\n  hint: ${unchecked.hint}`);
      }
      const bar = progressBar(cli, 'restore');
      const r = await reconstructFile(
        m,
        o.nodes.map((d) => openNodeSpec(d)),
        o.out,
        { trustedPublicKey, workers: o.workers, onProgress: bar.onProgress },
      );
      bar.stop();
      if (!r.ok) failWith(cli, r.error);
      const { bytes, badNodes, rejectedClaims } = r.value;
      cli.print(
        [
          `restored ${bytes} bytes to ${o.out} (${modelDigestLabel(m)} verified)`,
          ...(badNodes.length ? [`routed around bad node(s): ${badNodes.join(', ')}`] : []),
          ...describeClaims(rejectedClaims),
        ].join('\n'),
        {
          ok: true,
          out: o.out,
          bytes,
          sha256: m.modelHash,
          tagListHash: m.tagListHash,
          badNodes,
          rejectedClaims,
        },
      );
    });
}
