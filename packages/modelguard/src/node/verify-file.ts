/**
 * `verifyFile`: check every supplied node's share of every chunk without writing anything,
 * and name bad nodes. Steps: prepare (prepare-restore.ts), fetch and recover every chunk from
 * every usable node (restore-session.ts), check the whole-model SHA-256 (FIPS 180-4).
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import { type ModelGuardError, mgErr } from '../errors.js';
import { wipe } from '../lib/wipe.js';
import type { StorageNode } from '../storage-node.js';
import type { ModelManifest } from '../types.js';
import type { RecoverOutput } from './chunk-work.js';
import { modelDigest } from './model-digest.js';
import { prepare } from './prepare-restore.js';
import { report } from './progress.js';
import type { NodeVerdict, RestoreOptions, VerifyReport } from './restore-types.js';

/**
 * Checks every supplied node's share of every chunk without writing the model, and names bad
 * nodes.
 * @param manifest the model's manifest
 * @param nodes storage nodes in any order
 * @param options `{ trustedPublicKey, workers, onProgress }`
 * @returns a `VerifyReport` (also when nodes are bad or chunks unrecoverable: read
 *   `recoverable`), or `MANIFEST_INVALID`, `INVALID_CONFIG`, `INTEGRITY_FAILED` (signature),
 *   `STORAGE_FAILED`, `RECONSTRUCT_FAILED` (the worker pool failed)
 */
export async function verifyFile(
  manifest: ModelManifest,
  nodes: readonly StorageNode[],
  options: RestoreOptions = {},
): Promise<Result<VerifyReport, ModelGuardError>> {
  const prep = await prepare(manifest, nodes, options);
  if (!prep.ok) return prep;
  const s = prep.value;
  const total = manifest.totalChunks;
  const failedChunks: VerifyReport['failedChunks'] = [];
  const hash = modelDigest(manifest);
  const window: Promise<RecoverOutput>[] = [];
  try {
    const maxInFlight = s.windowSize(options.workers, s.liveClaims());
    let next = 0;
    let bytesDone = 0;
    const all = s.usable;
    const start = (c: number) =>
      s.safely(c, async () => {
        const f = await s.fetch(c, all);
        const r = await s.recover(c, f.cand, true);
        s.learn(c, f.ids, r);
        return r;
      });
    for (let c = 0; c < total; c++) {
      while (next < total && window.length < maxInFlight) window.push(start(next++));
      const r = await window.shift()!;
      if (!r.ok && r.error.code === 'RECONSTRUCT_FAILED')
        return mgErr(r.error.code, r.error.message, r.error.hint, { chunkIndex: c });
      if (r.ok) {
        if (failedChunks.length === 0) hash.update(r.value.bytes);
        wipe(r.value.bytes); // often a shared buffer (lib/wipe.ts)
        if (s.freeOut.length < 4) s.freeOut.push(r.value.bytes);
      } else {
        failedChunks.push({
          chunkIndex: c,
          code: r.error.code,
          ...(r.error.subCode ? { subCode: r.error.subCode } : {}),
        });
      }
      bytesDone += manifest.chunks[c]!.length;
      report(options.onProgress, {
        phase: 'verify',
        bytesDone,
        bytesTotal: manifest.modelSize,
        chunksDone: c + 1,
        chunksTotal: total,
      });
    }
  } catch (e) {
    return mgErr(
      'RECONSTRUCT_FAILED',
      `verify failed: ${(e as Error)?.message ?? String(e)}`,
      'Run with workers: 0 to diagnose; retry.',
    );
  } finally {
    await Promise.allSettled(window);
    s.key?.fill(0);
    await s.pool.close();
  }
  const modelHashOk = failedChunks.length === 0 && hash.matches();
  const verdicts: NodeVerdict[] = [];
  for (let i = 0; i < s.n; i++) {
    const id = s.nodeIdOf(i);
    const badChunks = [...(s.bad.get(i) ?? [])].sort((a, b) => a - b);
    verdicts.push({
      index: i,
      id,
      state: id === undefined ? 'missing' : s.bad.has(i) ? 'bad' : 'ok',
      badChunks,
    });
  }
  if (total === 0 && s.usable.length < s.k)
    failedChunks.push({ chunkIndex: -1, code: 'INSUFFICIENT_SHARES' });
  return ok({
    recoverable: failedChunks.length === 0 && modelHashOk,
    nodes: verdicts,
    badNodes: s.badNodes(),
    failedChunks,
    modelHashOk,
    rejectedClaims: s.rejectedClaims(),
  });
}
