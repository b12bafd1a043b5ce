/**
 * What the `modelguard` commands share: argument parsers (sizes, node directory lists), the
 * `--trusted-key` / `--workers` options, the progress bar, reading a manifest with its trusted
 * key, and printing a failure with its bad nodes.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import {
  type CliProgram,
  envOption,
  InvalidArgumentError,
  parseList,
  parseWholeNumber,
} from '@xorida/agent-sdk/node';
import cliProgress from 'cli-progress';
import { parseManifest } from '../manifest.js';
import { loadPublicKey } from './cli-keys.js';
import type { OnProgress } from './progress.js';
import type { RejectedClaim } from './reconstruct-file.js';

const SIZE_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  k: 1024,
  kib: 1024,
  m: 2 ** 20,
  mib: 2 ** 20,
  g: 2 ** 30,
  gib: 2 ** 30,
};

/**
 * Parser for a size: bytes, or a number with b / k / KiB / m / MiB / g / GiB.
 * @param v e.g. `4194304` or `4MiB`
 * @returns bytes
 * @throws InvalidArgumentError otherwise
 */
export function parseSize(v: string): number {
  const m = /^(\d+)\s*(b|k|kib|m|mib|g|gib)?$/i.exec(v.trim());
  if (!m) throw new InvalidArgumentError('expected bytes, e.g. 4194304 or 4MiB');
  return Number(m[1]) * (SIZE_UNITS[(m[2] ?? 'b').toLowerCase()] ?? 1);
}

/**
 * Parser for `--nodes dirA,dirB,...` (at least one directory).
 * @param v comma-separated directories
 * @returns the list
 * @throws InvalidArgumentError when empty
 */
export function nodeDirs(v: string): string[] {
  const list = parseList(v);
  if (list.length === 0) throw new InvalidArgumentError('expected dirA,dirB,...');
  return list;
}

/** `--trusted-key` (env `MODELGUARD_TRUSTED_KEY`; an empty value is kept so it fails). */
export const trustedKeyOption = () =>
  envOption(
    '--trusted-key <did|hex|file>',
    'require the manifest to be signed by this Ed25519 key (did:key, 64 hex chars, or a key file)',
    'MODELGUARD_TRUSTED_KEY',
    { emptyIsValue: true },
  );

/** `--workers <n>` (env `MODELGUARD_WORKERS`). */
export const workersOption = (help = 'worker threads (default: cores, 1..4; 0 = inline)') =>
  envOption('--workers <n>', help, 'MODELGUARD_WORKERS', { parse: parseWholeNumber });

/**
 * A progress bar with MB/s and ETA on a terminal; nothing under `--json` or without a TTY.
 * @param cli the program (its `json()` and `io.isTty`)
 * @param label printed before the bar
 * @returns the progress callback (undefined when no bar) and `stop()`
 */
export function progressBar(
  cli: CliProgram,
  label: string,
): { onProgress?: OnProgress; stop: () => void } {
  if (cli.json() || !cli.io.isTty) return { stop: () => {} };
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

/** A failure as modelguard reports it (a `ModelGuardError` or a CLI-made one). */
export interface GuardFailure {
  readonly code: string;
  readonly subCode?: string | undefined;
  readonly message: string;
  readonly hint?: string | undefined;
  readonly field?: string | undefined;
  readonly badNodes?: readonly (string | number)[] | undefined;
}

/**
 * Stops the action with a printed failure (exit 1); the bad nodes are named after the hint.
 * @param cli the program
 * @param error the failure (all its fields go into the `--json` error object)
 */
export function failWith(cli: CliProgram, error: GuardFailure): never {
  const notes = error.badNodes?.length ? [`bad nodes: ${error.badNodes.join(', ')}`] : [];
  return cli.fail(error, undefined, notes);
}

/** One line per conflicting claim: a directory holding a blob for an index it does not own. */
export function describeClaims(claims: readonly RejectedClaim[]): string[] {
  return claims.map(
    (c) =>
      `conflicting claim ignored: ${c.nodeId} holds a blob for node ${c.index} that ${c.reason === 'HEADER_MISMATCH' ? 'does not match the manifest (header)' : `failed its share digests in ${c.badChunks} chunk(s)`}`,
  );
}

/**
 * Reads the manifest and the optional trusted key shared by `restore` and `verify`.
 * @param cli the program (failures stop the action, exit 1)
 * @param manifestPath the manifest file
 * @param trustedKey the `--trusted-key` value; `''` fails (never "no key")
 * @returns the parsed manifest and the 32-byte key, or undefined without `--trusted-key`
 */
export function readManifestAndKey(
  cli: CliProgram,
  manifestPath: string,
  trustedKey: string | undefined,
) {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(manifestPath);
  } catch (e) {
    failWith(cli, {
      code: 'FILE_FAILED',
      message: `cannot read ${manifestPath}: ${(e as Error).message}`,
      hint: 'Check the manifest path.',
    });
  }
  const m = parseManifest(bytes);
  if (!m.ok) failWith(cli, m.error);
  try {
    // `!== undefined`, not truthiness: `--trusted-key "$UNSET"` must fail, not skip the check.
    const trustedPublicKey = trustedKey !== undefined ? loadPublicKey(trustedKey) : undefined;
    return { manifest: m.value, trustedPublicKey };
  } catch (e) {
    return failWith(cli, {
      code: 'INVALID_CONFIG',
      message: (e as Error).message,
      hint: 'Pass a did:key, 64 hex chars or a PEM public key file.',
    });
  }
}
