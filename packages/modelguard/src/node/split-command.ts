/**
 * `modelguard split <file> --nodes a,b,c --threshold k`: splits a model file across node
 * directories and writes its manifest.
 *
 * Pitfalls:
 * - The manifest path and the signing key are checked before any blob is written.
 * - The manifest is written atomically (temporary file, fsync, rename); if that fails the
 *   command reports `FILE_FAILED` and deletes the node blobs it wrote (useless without it).
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { type CliProgram, envOption, parseWholeNumber } from '@xorida/agent-sdk/node';
import { modelDigestLabel } from '../lib/tag-list.js';
import { serializeManifest } from '../manifest.js';
import { loadSigningSeed } from './cli-keys.js';
import { openNodeSpec, parseMode } from './cli-node-args.js';
import { failWith, nodeDirs, parseSize, progressBar, workersOption } from './cli-shared.js';
import { writeFileAtomic } from './durable.js';
import { guardFile } from './guard-file.js';

interface SplitOptions {
  nodes: string[];
  threshold: number;
  chunkSize?: number;
  manifest?: string;
  signKey?: string;
  tfjsManifest?: string;
  name?: string;
  workers?: number;
  fsync: boolean;
  mode?: 'ideal' | 'compact';
  force?: boolean;
}

/**
 * Adds `split` to the program.
 * @param cli the modelguard program
 */
export function addSplitCommand(cli: CliProgram): void {
  cli.program
    .command('split <file>')
    .description('split a model file across node directories and write its manifest')
    .requiredOption('--nodes <dirs>', 'comma-separated node directories, one per share', nodeDirs)
    .requiredOption('--threshold <k>', 'how many nodes restore the model', parseWholeNumber)
    .option('--chunk-size <size>', 'chunk size (bytes, or e.g. 4MiB)', parseSize)
    .option('--manifest <path>', 'where to write the manifest (default <file>.manifest.json)')
    .addOption(
      envOption(
        '--sign-key <path>',
        'Ed25519 private key file (xlink keystore, identity export, PKCS#8 PEM or 64-hex seed) to sign the manifest',
        'MODELGUARD_SIGN_KEY',
      ),
    )
    .option(
      '--mode <mode>',
      'ideal (default, information-theoretic) or compact (n/k storage)',
      parseMode,
    )
    .option('--tfjs-manifest <path>', 'TF.js weights manifest JSON to record with the model')
    .option('--name <name>', 'model name for the manifest (default: the file name)')
    .addOption(workersOption())
    .option('--no-fsync', 'do not fsync node files (faster, unsafe for real data)')
    .option('--force', 'overwrite an existing manifest (its blobs become orphans)')
    .action(async (file: string, o: SplitOptions) => {
      const manifestPath = o.manifest ?? `${file}.manifest.json`;
      // Checked before any blob is written: overwriting would orphan the first split's blobs.
      if (!o.force && existsSync(manifestPath))
        failWith(cli, {
          code: 'FILE_FAILED',
          message: `the manifest ${manifestPath} already exists`,
          hint: 'Pass --force to replace it, or choose another path with --manifest.',
          field: 'manifest',
        });
      let seed: Uint8Array | undefined;
      if (o.signKey) {
        try {
          seed = loadSigningSeed(o.signKey);
        } catch (e) {
          failWith(cli, {
            code: 'INVALID_CONFIG',
            message: (e as Error).message,
            hint: 'Use `openssl genpkey -algorithm ed25519 -out key.pem` or `xlink init`.',
          });
        }
      }
      const bar = progressBar(cli, 'split  ');
      const nodes = o.nodes.map((d) => openNodeSpec(d, { fsync: o.fsync }));
      const r = await guardFile(file, {
        nodes,
        threshold: o.threshold,
        chunkSize: o.chunkSize,
        mode: o.mode,
        signingSeed: seed,
        tfjsWeightsManifest: o.tfjsManifest,
        metadata: o.name ? { name: o.name } : undefined,
        workers: o.workers,
        onProgress: bar.onProgress,
      });
      seed?.fill(0);
      bar.stop();
      if (!r.ok) failWith(cli, r.error);
      try {
        await writeFileAtomic(manifestPath, serializeManifest(r.value.manifest));
      } catch (e) {
        // Without its manifest the blobs cannot be checked or restored: remove them.
        const blobs = r.value.blobs;
        await Promise.allSettled(nodes.map((node, i) => node.delete(blobs[i]!)));
        failWith(cli, {
          code: 'FILE_FAILED',
          message: `cannot write the manifest ${manifestPath}: ${(e as Error).message}; the node blobs were removed`,
          hint: 'Check the --manifest path, permissions and free space, then split again.',
          field: 'manifest',
        });
      }
      const m = r.value.manifest;
      cli.print(
        `split ${m.modelSize} bytes into ${m.totalChunks} chunks, ${m.config.threshold}-of-${m.config.storageNodes}\nmanifest: ${manifestPath}\n${modelDigestLabel(m)}${m.signature ? `\nsigned by Ed25519 key ${m.signature.publicKey}` : ''}`,
        {
          ok: true,
          manifest: manifestPath,
          id: m.id,
          modelSize: m.modelSize,
          modelHash: m.modelHash,
          tagListHash: m.tagListHash,
          chunks: m.totalChunks,
          blobs: r.value.blobs,
          publicKey: m.signature?.publicKey,
        },
      );
    });
}
