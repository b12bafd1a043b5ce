/**
 * Restore step 1: check the manifest and, with a trusted key, its signature; validate the
 * options; open the nodes (open-nodes.ts); start the worker pool. Shared by `reconstructFile`
 * and `verifyFile`.
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import { type ModelGuardError, mgErr } from '../errors.js';
import { blobOffsets } from '../lib/chunk-plan.js';
import { blobShape, manifestMode } from '../lib/manifest-mode.js';
import { checkManifest, verifyManifest } from '../manifest.js';
import type { StorageNode } from '../storage-node.js';
import type { ModelManifest } from '../types.js';
import { ChunkPool, defaultWorkers, isWorkerCount, MAX_WORKERS } from './chunk-pool.js';
import { openContentKey } from './open-key.js';
import { openNodes } from './open-nodes.js';
import { Session } from './restore-session.js';
import type { RestoreOptions } from './restore-types.js';

/**
 * Checks the inputs and opens a restore or verify session.
 * @param manifest the model's manifest
 * @param nodes storage nodes in any order
 * @param options `{ trustedPublicKey, workers }`
 * @returns the session (its pool must be closed by the caller), or `MANIFEST_INVALID`,
 *   `INTEGRITY_FAILED` (signature), `INVALID_CONFIG`, `STORAGE_FAILED`, `RECONSTRUCT_FAILED`
 *   (the worker pool did not start), and in compact mode `INSUFFICIENT_SHARES` /
 *   `HMAC_FAILED` when the content key cannot be recovered
 */
export async function prepare(
  manifest: ModelManifest,
  nodes: readonly StorageNode[],
  options: RestoreOptions,
): Promise<Result<Session, ModelGuardError>> {
  const m = checkManifest(manifest);
  if (!m.ok) return m;
  if (options.trustedPublicKey !== undefined) {
    const v = await verifyManifest(manifest, options.trustedPublicKey);
    if (!v.ok) return v;
  }
  if (!Array.isArray(nodes))
    return mgErr(
      'INVALID_CONFIG',
      'nodes must be an array of StorageNode',
      'Pass the nodes to read from.',
      { field: 'nodes' },
    );
  if (!isWorkerCount(options.workers))
    return mgErr(
      'INVALID_CONFIG',
      `workers must be an integer 0..${MAX_WORKERS}, got ${String(options.workers)}`,
      'Omit it for the default, or pass 0 to run inline.',
      { field: 'workers' },
    );
  const offsets = blobOffsets(
    manifest.chunks.map((c) => c.length),
    blobShape(manifest),
  );
  const opened = await openNodes(manifest, nodes, offsets[manifest.totalChunks]!);
  if (!opened.ok) return opened;
  let key: Uint8Array | undefined;
  if (manifestMode(manifest) === 'compact' && manifest.totalChunks > 0) {
    const kr = await openContentKey(manifest, opened.value);
    if (!kr.ok) return kr;
    key = kr.value;
  }
  let pool: ChunkPool | undefined;
  try {
    pool = new ChunkPool(options.workers ?? defaultWorkers());
    await pool.broadcast({ kind: 'groups', groups: manifest.chunks.map((c) => c.groupId) });
  } catch (e) {
    await pool?.close();
    return mgErr(
      'RECONSTRUCT_FAILED',
      `worker start failed: ${(e as Error)?.message ?? String(e)}`,
      'Run with workers: 0 to diagnose.',
    );
  }
  return ok(new Session(manifest, opened.value, pool, key));
}
