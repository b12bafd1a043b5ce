/**
 * `modelguard verify <manifest> --nodes a,b,c`: checks every share on the given node
 * directories and names the bad nodes; writes nothing. Exit 1 when a node is bad or the model
 * is not recoverable from these nodes.
 *
 * @module
 */
import { type CliProgram, EXIT_FAILED } from '@xorida/agent-sdk/node';
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
import { verifyFile } from './reconstruct-file.js';

interface VerifyOptions {
  nodes: string[];
  trustedKey?: string;
  workers?: number;
}

/**
 * Adds `verify` to the program.
 * @param cli the modelguard program
 */
export function addVerifyCommand(cli: CliProgram): void {
  cli.program
    .command('verify <manifest>')
    .description(
      'check every share on the given node directories and name bad nodes (writes nothing)',
    )
    .requiredOption('--nodes <dirs>', 'comma-separated node directories', nodeDirs)
    .addOption(trustedKeyOption())
    .addOption(workersOption())
    .action(async (manifestPath: string, o: VerifyOptions) => {
      const { manifest: m, trustedPublicKey } = readManifestAndKey(cli, manifestPath, o.trustedKey);
      const bar = progressBar(cli, 'verify ');
      const r = await verifyFile(
        m,
        o.nodes.map((d) => openNodeSpec(d)),
        { trustedPublicKey, workers: o.workers, onProgress: bar.onProgress },
      );
      bar.stop();
      if (!r.ok) failWith(cli, r.error);
      const v = r.value;
      const good = v.recoverable && v.badNodes.length === 0;
      if (!good) cli.setExitCode(EXIT_FAILED);
      cli.print(
        [
          ...v.nodes
            .filter((x) => x.state !== 'missing')
            .map(
              (x) =>
                `node ${x.index} ${x.id}: ${x.state === 'ok' ? 'ok' : `BAD (chunks ${x.badChunks.join(', ') || 'header'})`}`,
            ),
          v.recoverable
            ? `model recoverable, ${modelDigestLabel(m)} verified`
            : `model NOT recoverable from these nodes (${v.failedChunks.length} chunk(s) failed)`,
          ...(v.badNodes.length ? [`bad node(s): ${v.badNodes.join(', ')}`] : []),
          ...describeClaims(v.rejectedClaims),
        ].join('\n'),
        { ...v, ok: good },
      );
    });
}
