/**
 * `reconstructModel`: reassemble in-memory model weights from the shares of any k nodes,
 * checking every chunk against its manifest tag before use and the whole model at the end.
 *
 * Pitfalls:
 * - Shares are placed by the `chunkIndex` and `index` fields they claim; those fields are not
 *   trusted: a share in the wrong place fails its group id or tag check, and the node is
 *   reported in `badNodes` (or the call fails when no k good shares remain).
 * - When two shares claim the same (chunk, node) slot, the first one wins.
 * - Every supplied share is checked (one extra reconstruction per extra node and chunk), so a
 *   bad node is named even when k good ones sufficed.
 * - Pass `trustedPublicKey` whenever the manifest came over an untrusted channel; without it
 *   the manifest is trusted as given.
 *
 * @module
 */
import { equalBytes, hexToBytes, ok, type Result } from 'xorida';
import { type ModelGuardError, mgErr } from './errors.js';
import { isIntIn, isRecord } from './lib/json-checks.js';
import { alignedPool, recoverChunk } from './lib/recover-chunk.js';
import { webSha256 } from './lib/sha256.js';
import { checkManifest, verifyManifest } from './manifest.js';
import type { ModelManifest, ModelWeightShare, ReconstructedModel } from './types.js';

/** Options of `reconstructModel`. */
export interface ReconstructModelOptions {
  /** Raw 32-byte Ed25519 key the manifest must be signed with. */
  readonly trustedPublicKey?: Uint8Array;
}

/**
 * Reconstructs the model from shares of at least k nodes.
 * @param manifest the manifest from `guardModel` (or `parseManifest`)
 * @param sharesFromNodes shares in any grouping: per node (`shares.map(c => c[node])`, as in
 *   the Xguard docs) or per chunk (`guardModel`'s `shares`); flattened and placed by their
 *   claimed `chunkIndex` and `index`
 * @param options `{ trustedPublicKey? }`
 * @returns `{ weights, badNodes }`, or `MANIFEST_INVALID`, `INVALID_CONFIG`,
 *   `INSUFFICIENT_SHARES`, `HMAC_FAILED`, `INTEGRITY_FAILED` (misplaced or foreign chunks,
 *   signature, whole-model hash)
 * @see docs/formats.md#modelguard
 */
export async function reconstructModel(
  manifest: ModelManifest,
  sharesFromNodes: readonly (readonly ModelWeightShare[])[],
  options: ReconstructModelOptions = {},
): Promise<Result<ReconstructedModel, ModelGuardError>> {
  const m = checkManifest(manifest);
  if (!m.ok) return m;
  if (options.trustedPublicKey !== undefined) {
    const v = await verifyManifest(m.value, options.trustedPublicKey);
    if (!v.ok) return v;
  }
  if (!Array.isArray(sharesFromNodes))
    return mgErr(
      'INVALID_CONFIG',
      'sharesFromNodes must be an array of share arrays',
      'Pass one array of shares per node.',
      { field: 'sharesFromNodes' },
    );
  const { storageNodes: n, threshold: k } = manifest.config;
  const total = manifest.totalChunks;
  const slots: (Uint8Array | undefined)[][] = Array.from({ length: total }, () => new Array(n));
  for (const group of sharesFromNodes) {
    if (!Array.isArray(group)) continue;
    for (const s of group as unknown[]) {
      if (!isRecord(s) || !(s.data instanceof Uint8Array)) continue;
      if (!isIntIn(s.chunkIndex, 0, total - 1) || !isIntIn(s.index, 0, n - 1)) continue;
      const row = slots[s.chunkIndex]!;
      if (row[s.index] === undefined) row[s.index] = s.data;
    }
  }
  const modelId = hexToBytes(manifest.id);
  const groups = new Set(manifest.chunks.map((c) => c.groupId));
  const weights = new Uint8Array(manifest.modelSize);
  const badNodes = new Set<number>();
  const aligned = alignedPool(2 * n);
  for (const chunk of manifest.chunks) {
    const r = await recoverChunk(
      {
        modelId,
        k,
        n,
        index: chunk.index,
        offset: chunk.offset,
        length: chunk.length,
        groupId: chunk.groupId,
        tag: hexToBytes(chunk.tag),
        shareDigests: chunk.shareDigests.map(hexToBytes),
        knownGroup: (g) => groups.has(g),
      },
      slots[chunk.index]!,
      webSha256,
      // Every supplied share is checked, so bad nodes are named even when not needed.
      { classifyAll: true, aligned },
    );
    if (!r.ok) {
      weights.fill(0);
      return r;
    }
    weights.set(r.value.bytes, chunk.offset);
    r.value.bytes.fill(0);
    for (const b of r.value.badNodes) badNodes.add(b);
  }
  if (!equalBytes(await webSha256([weights]), hexToBytes(manifest.modelHash))) {
    weights.fill(0);
    return mgErr(
      'INTEGRITY_FAILED',
      'the reconstructed model does not match the manifest SHA-256',
      'The manifest was modified (its modelHash or chunk list); check its signature or fetch it again.',
      { subCode: 'MODEL_HASH_MISMATCH' },
    );
  }
  return ok({ weights, badNodes: [...badNodes].sort((a, b) => a - b) });
}
