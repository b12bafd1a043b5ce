/**
 * `reconstructFile` and `verifyFile`: stream a model back from node blobs, checking every
 * chunk's tag before it is written and the whole-model SHA-256 at the end; or check every
 * node's shares without writing anything.
 *
 * The restore reads as its steps, one module each: prepare (prepare-restore.ts: check the
 * manifest and its signature, open the nodes, start the worker pool), select the blobs
 * (open-nodes.ts), fetch and recover each chunk (chunk-strategy.ts over restore-session.ts),
 * verify the whole-model SHA-256 (FIPS 180-4), write atomically (partial-output.ts).
 *
 * Pitfalls:
 * - The output is written to `<outPath>.partial-<random>` (created with mode 0600: it holds the
 *   weights the split protected; widen it yourself if needed) and renamed into place only after
 *   the whole-model hash matched: a failed restore never leaves a plausible-looking file
 *   behind. With `fsync` (default) the file and then its directory are fsynced, so the rename
 *   survives a crash.
 * - Memory is bounded by bytes: a window holds at most workers + 1 chunks (2 x workers + 1 in
 *   ideal mode) and at most 256 MiB
 *   of shares read and chunks recovered (but always one chunk: about (nodes read + 2) x
 *   chunk length; with many nodes choose smaller chunks, or `crossCheck: false`).
 * - Given more than k nodes, restore reads and checks all of them (`crossCheck`, default on),
 *   so a bad node is named even if k good ones would have sufficed; that costs the extra reads.
 *   With `crossCheck: false` it reads k nodes per chunk and only falls back to the others when a
 *   chunk fails; later chunks then prefer the remaining good nodes.
 * - Which node index a blob belongs to comes from its name `<modelId>.node<i>.mgs` and its
 *   header, neither authenticated. Several storage nodes may hold a blob named for the same
 *   index (a hostile node can carry blobs named for other indices): every such claim is kept and
 *   read, each share is checked against its digest in the manifest, and the first matching claim
 *   is used, so a forged claim cannot shadow a genuine one. Claims that fail while another
 *   claim of the index matches are reported in `rejectedClaims`, not as bad node indices.
 *
 * @module
 */
import { type FileHandle, rm } from 'node:fs/promises';
import { ok, type Result } from 'xorida';
import { type ModelGuardError, mgErr } from '../errors.js';
import { wipe } from '../lib/wipe.js';
import type { StorageNode } from '../storage-node.js';
import type { ModelManifest } from '../types.js';
import { recoverWork } from './chunk-strategy.js';
import type { RecoverOutput } from './chunk-work.js';
import { commitPartial, createPartial, partialPath, writeAt } from './partial-output.js';
import { prepare } from './prepare-restore.js';
import { report } from './progress.js';
import type { RestoreOptions, RestoreReport } from './restore-types.js';

export type {
  NodeVerdict,
  RejectedClaim,
  RestoreOptions,
  RestoreReport,
  VerifyReport,
} from './restore-types.js';

import { modelDigest } from './model-digest.js';

export { verifyFile } from './verify-file.js';

/**
 * Restores a model file from the blobs of at least k nodes.
 * @param manifest the model's manifest
 * @param nodes storage nodes in any order (each is searched for `<id>.node<i>.mgs` blobs)
 * @param outPath where to write the model (replaced atomically on success)
 * @param options `{ trustedPublicKey, workers, onProgress }`
 * @returns `{ bytes, badNodes, rejectedClaims }`, or `MANIFEST_INVALID`, `INVALID_CONFIG`
 *   (e.g. `workers` not 0..16), `INTEGRITY_FAILED`, `INSUFFICIENT_SHARES`, `HMAC_FAILED`,
 *   `STORAGE_FAILED`, `FILE_FAILED`, `RECONSTRUCT_FAILED` (the worker pool failed)
 */
export async function reconstructFile(
  manifest: ModelManifest,
  nodes: readonly StorageNode[],
  outPath: string,
  options: RestoreOptions = {},
): Promise<Result<RestoreReport, ModelGuardError>> {
  const prep = await prepare(manifest, nodes, options);
  if (!prep.ok) return prep;
  const s = prep.value;
  const total = manifest.totalChunks;
  const tmp = partialPath(outPath);
  let fh: FileHandle | undefined;
  // Every promise in the window is settled before the pool closes (see chunk-pool.ts).
  const window: Promise<RecoverOutput>[] = [];
  try {
    if (total > 0 && s.usable.length < s.k) {
      return mgErr(
        'INSUFFICIENT_SHARES',
        `${s.usable.length} usable node blob(s) found, ${s.k} needed`,
        `Supply at least ${s.k} nodes holding blobs of model ${manifest.id}.`,
        { badNodes: s.badNodes() },
      );
    }
    const created = await createPartial(tmp);
    if (!created.ok) return created;
    fh = created.value;
    const hash = modelDigest(manifest);
    const crossCheck = options.crossCheck ?? true;
    const recoverOne = (c: number): Promise<RecoverOutput> =>
      s.safely(c, () => recoverWork(s, c, crossCheck));
    // Cross-check reads every live claim; otherwise k shares (more only on a fallback).
    const maxInFlight = s.windowSize(
      options.workers,
      crossCheck && s.usable.length > s.k ? s.liveClaims() : s.k,
    );
    let next = 0;
    let bytesDone = 0;
    for (let c = 0; c < total; c++) {
      while (next < total && window.length < maxInFlight) window.push(recoverOne(next++));
      const r = await window.shift()!;
      // Refill before writing: the write (a copy into the page cache) would otherwise leave
      // the workers without queued chunks until it completes.
      if (r.ok) while (next < total && window.length < maxInFlight) window.push(recoverOne(next++));
      if (!r.ok) {
        await Promise.allSettled(window);
        return mgErr(r.error.code, r.error.message, r.error.hint, {
          ...(r.error.subCode ? { subCode: r.error.subCode } : {}),
          chunkIndex: c,
          badNodes: [...new Set([...(r.error.badNodes ?? []), ...s.badNodes()])].sort(
            (a, b) => a - b,
          ),
        });
      }
      const chunk = manifest.chunks[c]!;
      const bytes = r.value.bytes;
      await writeAt(fh, bytes, chunk.offset);
      hash.update(bytes);
      // A recycled buffer is overwritten whole by its next chunk (or zeroed by a failed
      // recovery), so only buffers not kept are wiped now; the kept ones in `finally`.
      if (s.freeOut.length < 4) s.freeOut.push(bytes);
      else wipe(bytes);
      bytesDone += chunk.length;
      report(options.onProgress, {
        phase: 'restore',
        bytesDone,
        bytesTotal: manifest.modelSize,
        chunksDone: c + 1,
        chunksTotal: total,
      });
    }
    if (!hash.matches()) {
      return mgErr(
        'INTEGRITY_FAILED',
        'the restored model does not match the manifest SHA-256',
        'The manifest was modified (its modelHash or chunk list); check its signature or fetch it again.',
        { subCode: 'MODEL_HASH_MISMATCH', badNodes: s.badNodes() },
      );
    }
    await commitPartial(fh, tmp, outPath, options.fsync ?? true);
    fh = undefined;
    report(options.onProgress, {
      phase: 'restore',
      bytesDone: manifest.modelSize,
      bytesTotal: manifest.modelSize,
      chunksDone: total,
      chunksTotal: total,
    });
    return ok({
      bytes: manifest.modelSize,
      badNodes: s.badNodes(),
      rejectedClaims: s.rejectedClaims(),
    });
  } catch (e) {
    return mgErr(
      'FILE_FAILED',
      `writing ${outPath}: ${(e as Error).message}`,
      'Check free space and permissions of the output directory.',
      { field: 'outPath', badNodes: s.badNodes() },
    );
  } finally {
    await Promise.allSettled(window);
    for (const b of s.freeOut.splice(0)) wipe(b);
    if (fh) await fh.close().catch(() => {});
    await rm(tmp, { force: true }).catch(() => {});
    s.key?.fill(0);
    await s.pool.close();
  }
}
