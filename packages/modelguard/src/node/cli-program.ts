/** The `modelguard` CLI: `split`, `restore`, `verify`, `node serve`. Pitfalls:
 * - `--json` prints exactly one JSON object on stdout and nothing else (no bar), for scripts.
 * - Exit codes: 0 success, 1 the operation failed (error printed), 2 bad usage. `verify` exits
 *   1 when any node is bad or the model is not recoverable.
 * - `split` writes the manifest atomically (temporary file, fsync, rename); if that fails it
 *   reports `FILE_FAILED` and deletes the node blobs it wrote (useless without the manifest).
 *
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import type { ModelGuardError } from '../errors.js';
import { parseManifest, serializeManifest } from '../manifest.js';
import { loadPublicKey, loadSigningSeed } from './cli-keys.js';
import { openNodeSpec, parseMode } from './cli-node-args.js';
import { writeFileAtomic } from './durable.js';
import { guardFile } from './guard-file.js';
import { registerNodeCommand } from './node-serve-command.js';
import type { OnProgress } from './progress.js';
import { type RejectedClaim, reconstructFile, verifyFile } from './reconstruct-file.js';

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  isTty: boolean;
}

function parseSize(v: string): number {
  const m = /^(\d+)\s*(b|k|kib|m|mib|g|gib)?$/i.exec(v.trim());
  if (!m) throw new InvalidArgumentError('expected bytes, e.g. 4194304 or 4MiB');
  const mult: Record<string, number> = {
    b: 1,
    k: 1024,
    kib: 1024,
    m: 2 ** 20,
    mib: 2 ** 20,
    g: 2 ** 30,
    gib: 2 ** 30,
  };
  return Number(m[1]) * (mult[(m[2] ?? 'b').toLowerCase()] ?? 1);
}

function parseIntArg(v: string): number {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('expected a whole number');
  return Number(v);
}

function dirs(v: string): string[] {
  const list = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.length === 0) throw new InvalidArgumentError('expected dirA,dirB,...');
  return list;
}

function progressBar(
  io: Io,
  json: boolean,
  label: string,
): { onProgress?: OnProgress; stop: () => void } {
  if (json || !io.isTty) return { stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {doneMb}/{totalMb} MB | {speed} MB/s | ETA {eta_formatted}`,
      hideCursor: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  const t0 = performance.now();
  let started = false;
  return {
    onProgress: (p) => {
      const secs = (performance.now() - t0) / 1000;
      const payload = {
        doneMb: (p.bytesDone / 1e6).toFixed(1),
        totalMb: (p.bytesTotal / 1e6).toFixed(1),
        speed: secs > 0 ? (p.bytesDone / 1e6 / secs).toFixed(1) : '0.0',
      };
      if (!started) {
        bar.start(Math.max(1, p.bytesTotal), p.bytesDone, payload);
        started = true;
      } else bar.update(p.bytesDone, payload);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

function fail(
  io: Io,
  json: boolean,
  error: ModelGuardError | { code: string; message: string; hint?: string; field?: string },
): number {
  if (json) io.out(JSON.stringify({ ok: false, error }));
  else
    io.err(
      `modelguard: ${error.code}${'subCode' in error && error.subCode ? `:${error.subCode}` : ''}: ${error.message}${error.hint ? `\n  hint: ${error.hint}` : ''}${'badNodes' in error && error.badNodes?.length ? `\n  bad nodes: ${error.badNodes.join(', ')}` : ''}`,
    );
  return 1;
}

function readManifest(path: string) {
  try {
    return parseManifest(readFileSync(path));
  } catch (e) {
    return {
      ok: false as const,
      error: {
        code: 'FILE_FAILED',
        message: `cannot read ${path}: ${(e as Error).message}`,
        hint: 'Check the manifest path.',
      },
    };
  }
}

/** One line per conflicting claim: a directory holding a blob for an index it does not own. */
function describeClaims(claims: readonly RejectedClaim[]): string[] {
  return claims.map(
    (c) =>
      `conflicting claim ignored: ${c.nodeId} holds a blob for node ${c.index} that ${c.reason === 'HEADER_MISMATCH' ? 'does not match the manifest (header)' : `failed its share digests in ${c.badChunks} chunk(s)`}`,
  );
}

/** The manifest plus the optional `--trusted-key`, shared by `restore` and `verify`. */
function readManifestAndKey(manifestPath: string, trustedKey: string | undefined) {
  const m = readManifest(manifestPath);
  if (!m.ok) return m;
  try {
    // `!== undefined`, not truthiness: `--trusted-key "$UNSET"` must fail, not skip the check.
    const trustedPublicKey = trustedKey !== undefined ? loadPublicKey(trustedKey) : undefined;
    return { ok: true as const, manifest: m, trustedPublicKey };
  } catch (e) {
    return {
      ok: false as const,
      error: {
        code: 'INVALID_CONFIG',
        message: (e as Error).message,
        hint: 'Pass 64 hex chars or a PEM public key file.',
      },
    };
  }
}

/**
 * Runs the CLI.
 * @param argv arguments after the program name, e.g. `['split', 'model.bin', '--nodes', 'a,b,c']`
 * @param io output sinks (stdout, stderr) and whether stderr is a terminal
 * @returns the exit code (0 ok, 1 failed, 2 usage)
 */
export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  let code = 0;
  const program = new Command('modelguard')
    .description(
      'Split AI model weights K-of-N across storage directories (xorida), restore and verify them.',
    )
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });

  program
    .command('split <file>')
    .description('split a model file across node directories and write its manifest')
    .requiredOption('--nodes <dirs>', 'comma-separated node directories, one per share', dirs)
    .requiredOption('--threshold <k>', 'how many nodes restore the model', parseIntArg)
    .option('--chunk-size <size>', 'chunk size (bytes, or e.g. 4MiB)', parseSize)
    .option(
      '--mode <mode>',
      'ideal (default, information-theoretic) or compact (n/k storage)',
      parseMode,
    )
    .option('--manifest <path>', 'where to write the manifest (default <file>.manifest.json)')
    .option(
      '--sign-key <path>',
      'Ed25519 private key (PKCS#8 PEM, or 64-hex seed file) to sign the manifest',
    )
    .option('--tfjs-manifest <path>', 'TF.js weights manifest JSON to record with the model')
    .option('--name <name>', 'model name for the manifest (default: the file name)')
    .option('--workers <n>', 'worker threads (default: cores, 1..4)', parseIntArg)
    .option('--no-fsync', 'do not fsync node files (faster, unsafe for real data)')
    .option('--force', 'overwrite an existing manifest (its blobs become orphans)')
    .option('--json', 'print one JSON result, no progress bar')
    .action(async (file: string, o) => {
      const manifestPath: string = o.manifest ?? `${file}.manifest.json`;
      // Checked before any blob is written: overwriting would orphan the first split's blobs.
      if (!o.force && existsSync(manifestPath)) {
        code = fail(io, o.json, {
          code: 'FILE_FAILED',
          message: `the manifest ${manifestPath} already exists`,
          hint: 'Pass --force to replace it, or choose another path with --manifest.',
          field: 'manifest',
        });
        return;
      }
      let seed: Uint8Array | undefined;
      if (o.signKey) {
        try {
          seed = loadSigningSeed(o.signKey);
        } catch (e) {
          code = fail(io, o.json, {
            code: 'INVALID_CONFIG',
            message: (e as Error).message,
            hint: 'Use `openssl genpkey -algorithm ed25519 -out key.pem`.',
          });
          return;
        }
      }
      const bar = progressBar(io, o.json, 'split  ');
      const nodes = (o.nodes as string[]).map((d) => openNodeSpec(d, { fsync: o.fsync }));
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
      if (!r.ok) {
        code = fail(io, o.json, r.error);
        return;
      }
      try {
        await writeFileAtomic(manifestPath, serializeManifest(r.value.manifest));
      } catch (e) {
        // Without its manifest the blobs cannot be checked or restored: remove them.
        const blobs = r.value.blobs;
        await Promise.allSettled(nodes.map((node, i) => node.delete(blobs[i]!)));
        code = fail(io, o.json, {
          code: 'FILE_FAILED',
          message: `cannot write the manifest ${manifestPath}: ${(e as Error).message}; the node blobs were removed`,
          hint: 'Check the --manifest path, permissions and free space, then split again.',
          field: 'manifest',
        });
        return;
      }
      const m = r.value.manifest;
      if (o.json)
        io.out(
          JSON.stringify({
            ok: true,
            manifest: manifestPath,
            id: m.id,
            modelSize: m.modelSize,
            modelHash: m.modelHash,
            chunks: m.totalChunks,
            blobs: r.value.blobs,
            publicKey: m.signature?.publicKey,
          }),
        );
      else
        io.out(
          `split ${m.modelSize} bytes into ${m.totalChunks} chunks, ${m.config.threshold}-of-${m.config.storageNodes}\nmanifest: ${manifestPath}\nsha256:   ${m.modelHash}${m.signature ? `\nsigned by Ed25519 key ${m.signature.publicKey}` : ''}`,
        );
    });

  program
    .command('restore <manifest>')
    .description('restore the model from at least k node directories')
    .requiredOption('--nodes <dirs>', 'comma-separated node directories', dirs)
    .requiredOption('--out <file>', 'output file')
    .option(
      '--trusted-key <hex|file>',
      'require the manifest to be signed by this Ed25519 public key',
    )
    .option('--require-signature', 'fail unless the signature is checked (needs --trusted-key)')
    .option('--workers <n>', 'worker threads', parseIntArg)
    .option('--json', 'print one JSON result, no progress bar')
    .action(async (manifestPath: string, o) => {
      const input = readManifestAndKey(manifestPath, o.trustedKey);
      if (!input.ok) {
        code = fail(io, o.json, input.error);
        return;
      }
      const { manifest: m, trustedPublicKey } = input;
      if (!trustedPublicKey && (o.requireSignature || m.value.signature)) {
        const unchecked = {
          code: 'INVALID_CONFIG',
          message: m.value.signature
            ? 'the manifest signature was not checked (no --trusted-key)'
            : 'the manifest is not signed and --require-signature was given',
          hint: 'Pass --trusted-key with the owner public key to check the signature.',
          field: 'trusted-key',
        };
        if (o.requireSignature) {
          code = fail(io, o.json, unchecked);
          return;
        }
        // A warning on stderr even with --json: stdout stays one JSON object for scripts.
        io.err(`modelguard: warning: ${unchecked.message}\n  hint: ${unchecked.hint}`);
      }
      const bar = progressBar(io, o.json, 'restore');
      const r = await reconstructFile(
        m.value,
        (o.nodes as string[]).map((d) => openNodeSpec(d)),
        o.out,
        {
          trustedPublicKey,
          workers: o.workers,
          onProgress: bar.onProgress,
        },
      );
      bar.stop();
      if (!r.ok) {
        code = fail(io, o.json, r.error);
        return;
      }
      if (o.json)
        io.out(
          JSON.stringify({
            ok: true,
            out: o.out,
            bytes: r.value.bytes,
            sha256: m.value.modelHash,
            badNodes: r.value.badNodes,
            rejectedClaims: r.value.rejectedClaims,
          }),
        );
      else {
        io.out(
          `restored ${r.value.bytes} bytes to ${o.out} (sha256 ${m.value.modelHash} verified)${r.value.badNodes.length ? `\nrouted around bad node(s): ${r.value.badNodes.join(', ')}` : ''}`,
        );
        for (const line of describeClaims(r.value.rejectedClaims)) io.out(line);
      }
    });

  program
    .command('verify <manifest>')
    .description(
      'check every share on the given node directories and name bad nodes (writes nothing)',
    )
    .requiredOption('--nodes <dirs>', 'comma-separated node directories', dirs)
    .option(
      '--trusted-key <hex|file>',
      'require the manifest to be signed by this Ed25519 public key',
    )
    .option('--workers <n>', 'worker threads', parseIntArg)
    .option('--json', 'print one JSON result, no progress bar')
    .action(async (manifestPath: string, o) => {
      const input = readManifestAndKey(manifestPath, o.trustedKey);
      if (!input.ok) {
        code = fail(io, o.json, input.error);
        return;
      }
      const { manifest: m, trustedPublicKey } = input;
      const bar = progressBar(io, o.json, 'verify ');
      const r = await verifyFile(
        m.value,
        (o.nodes as string[]).map((d) => openNodeSpec(d)),
        {
          trustedPublicKey,
          workers: o.workers,
          onProgress: bar.onProgress,
        },
      );
      bar.stop();
      if (!r.ok) {
        code = fail(io, o.json, r.error);
        return;
      }
      const v = r.value;
      const supplied = v.nodes.filter((x) => x.state !== 'missing');
      code = v.recoverable && v.badNodes.length === 0 ? 0 : 1;
      if (o.json) io.out(JSON.stringify({ ok: code === 0, ...v }));
      else {
        for (const x of supplied)
          io.out(
            `node ${x.index} ${x.id}: ${x.state === 'ok' ? 'ok' : `BAD (chunks ${x.badChunks.join(', ') || 'header'})`}`,
          );
        io.out(
          v.recoverable
            ? `model recoverable, sha256 ${m.value.modelHash} verified`
            : `model NOT recoverable from these nodes (${v.failedChunks.length} chunk(s) failed)`,
        );
        if (v.badNodes.length) io.out(`bad node(s): ${v.badNodes.join(', ')}`);
        for (const line of describeClaims(v.rejectedClaims)) io.out(line);
      }
    });

  registerNodeCommand(program, io, (c) => (code = c));
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    const c = (e as { exitCode?: number; code?: string }).exitCode;
    if (
      (e as { code?: string }).code === 'commander.helpDisplayed' ||
      (e as { code?: string }).code === 'commander.version'
    )
      return 0;
    return c === 0 ? 0 : 2;
  }
  return code;
}
