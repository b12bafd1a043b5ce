/**
 * `reconstructModel`: reassemble in-memory model weights from the shares of any k nodes,
 * checking every chunk against its manifest tag before use and the whole model at the end.
 *
 * Pitfalls:
 * - Shares are placed by the `chunkIndex` and `index` fields they claim; those fields are not
 *   trusted. Every claim of a (chunk, node) slot is kept and checked against the share digest
 *   in the manifest; the first matching claim is used. So one node's array cannot take over
 *   other nodes' slots: its forged shares fail their digests and are reported in
 *   `rejectedClaims`, while the genuine shares from the other arrays are used.
 * - With `grouping: 'node'`, array g holds node `nodeIndices[g]`'s shares (default: g), and a
 *   share claiming another index is dropped (`WRONG_INDEX`) without being looked at further.
 * - Every supplied share is hashed and checked, so a bad node is named even when k good ones
 *   sufficed.
 * - Pass `trustedPublicKey` whenever the manifest came over an untrusted channel; without it
 *   the manifest is trusted as given.
 *
 * @module
 */
import { backend } from '@xorida/agent-sdk/crypto';
import { equalBytes, hexToBytes, ok, type Result } from 'xorida';
import { type ModelGuardError, mgErr } from './errors.js';
import { recoverContentKey } from './lib/content-key.js';
import { isIntIn, isRecord } from './lib/json-checks.js';
import { manifestMode } from './lib/manifest-mode.js';
import { alignedPool, recoverChunk } from './lib/recover-chunk.js';
import { tagListMatches } from './lib/tag-list.js';
import { checkManifest, type TrustedKey, verifyManifest } from './manifest.js';
import type {
  ModelManifest,
  ModelWeightShare,
  ReconstructedModel,
  RejectedShareClaim,
} from './types.js';

/** Options of `reconstructModel`. */
export interface ReconstructModelOptions {
  /** The did:key (or raw 32-byte Ed25519 key) the manifest must be signed with. */
  readonly trustedPublicKey?: TrustedKey;
  /**
   * How `sharesFromNodes` is grouped. `'any'` (default): per node or per chunk, each share is a
   * claim of the slot it names, every claim is checked. `'node'`: array g holds the shares of
   * node `nodeIndices[g]`; shares claiming another node index are dropped and reported.
   */
  readonly grouping?: 'any' | 'node';
  /**
   * With `grouping: 'node'`: the node index of each array (distinct integers 0..n-1); default
   * the array position.
   */
  readonly nodeIndices?: readonly number[];
  /**
   * Compact mode (required there): `keyShares[node]`, the content key share `guardModel`
   * returned for that node (`keyShares` of its result), or undefined when that node is not
   * available. Each is checked against its digest in the manifest.
   */
  readonly keyShares?: readonly (Uint8Array | undefined)[];
}

/**
 * Reconstructs the model from shares of at least k nodes.
 * @param manifest the manifest from `guardModel` (or `parseManifest`)
 * @param sharesFromNodes shares in any grouping: per node (`shares.map(c => c[node])`, as in
 *   the original Xguard design) or per chunk (`guardModel`'s `shares`); flattened and placed by their
 *   claimed `chunkIndex` and `index`
 * @param options `{ trustedPublicKey?, grouping?, nodeIndices?, keyShares? }` (`keyShares` is
 *   required for a compact-mode manifest)
 * @returns `{ weights, badNodes, rejectedClaims }`, or `MANIFEST_INVALID`, `INVALID_CONFIG`
 *   (bad `sharesFromNodes`, `grouping` or `nodeIndices`),
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
  const grouping = options.grouping ?? 'any';
  const nodeIndices = options.nodeIndices ?? sharesFromNodes.map((_, g) => g);
  if (grouping !== 'any' && grouping !== 'node')
    return mgErr('INVALID_CONFIG', 'grouping must be "any" or "node"', 'Omit it for "any".', {
      field: 'grouping',
    });
  if (
    grouping === 'node' &&
    (!Array.isArray(nodeIndices) ||
      nodeIndices.length !== sharesFromNodes.length ||
      !nodeIndices.every((i) => isIntIn(i, 0, n - 1)) ||
      new Set(nodeIndices).size !== nodeIndices.length)
  )
    return mgErr(
      'INVALID_CONFIG',
      `nodeIndices must list one distinct node index 0..${n - 1} per array`,
      'Pass the index of the node each array came from.',
      { field: 'nodeIndices' },
    );
  const total = manifest.totalChunks;
  // claims[chunk][node]: every share claiming that slot, with the array it came from.
  const claims: { data: Uint8Array; source: number }[][][] = Array.from({ length: total }, () =>
    Array.from({ length: n }, () => []),
  );
  const rejectedClaims: RejectedShareClaim[] = [];
  sharesFromNodes.forEach((group, source) => {
    if (!Array.isArray(group)) return;
    for (const s of group as unknown[]) {
      if (!isRecord(s) || !(s.data instanceof Uint8Array)) continue;
      if (!isIntIn(s.chunkIndex, 0, total - 1) || !isIntIn(s.index, 0, n - 1)) continue;
      if (grouping === 'node' && s.index !== nodeIndices[source]) {
        rejectedClaims.push({
          source,
          chunkIndex: s.chunkIndex,
          index: s.index,
          reason: 'WRONG_INDEX',
        });
        continue;
      }
      const slot = claims[s.chunkIndex]![s.index]!;
      // The same bytes offered twice (e.g. the same array passed twice) are one claim.
      if (!slot.some((c) => c.data === s.data)) slot.push({ data: s.data, source });
    }
  });
  const modelId = hexToBytes(manifest.id);
  const groups = new Set(manifest.chunks.map((c) => c.groupId));
  const badNodes = new Set<number>();
  let key: Uint8Array | undefined;
  if (manifestMode(manifest) === 'compact' && total > 0) {
    const ks = options.keyShares;
    if (!Array.isArray(ks))
      return mgErr(
        'INVALID_CONFIG',
        'a compact-mode manifest needs keyShares (one per node index, undefined when missing)',
        'Pass the keyShares that guardModel returned with the shares.',
        { field: 'keyShares' },
      );
    const kr = recoverContentKey(
      modelId,
      k,
      n,
      manifest.contentKey!.shareDigests,
      Array.from({ length: n }, (_, i) => (ks[i] instanceof Uint8Array ? [ks[i]!] : [])),
    );
    if (!kr.ok) return kr;
    key = kr.value.key;
    for (const b of kr.value.badNodes) badNodes.add(b);
  }
  const weights = new Uint8Array(manifest.modelSize);
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
        ...(chunk.shareDigests ? { shareDigests: chunk.shareDigests.map(hexToBytes) } : {}),
        ...(chunk.shareTags ? { shareTags: chunk.shareTags.map(hexToBytes) } : {}),
        knownGroup: (g) => groups.has(g),
        ...(key ? { key } : {}),
        ...(manifest.shareTagKey ? { tagKey: hexToBytes(manifest.shareTagKey) } : {}),
      },
      claims[chunk.index]!.map((list) =>
        list.length === 0 ? undefined : list.length === 1 ? list[0]!.data : list.map((c) => c.data),
      ),
      backend.sha256Parts,
      // Every supplied share is checked, so bad nodes are named even when not needed.
      { classifyAll: true, aligned },
    );
    if (!r.ok) {
      weights.fill(0);
      key?.fill(0);
      return r;
    }
    weights.set(r.value.bytes, chunk.offset);
    r.value.bytes.fill(0);
    for (const b of r.value.badNodes) badNodes.add(b);
    for (const x of r.value.rejectedClaims) {
      const c = claims[chunk.index]![x.node]![x.claim]!;
      rejectedClaims.push({
        source: c.source,
        chunkIndex: chunk.index,
        index: x.node,
        reason: 'DIGEST_MISMATCH',
      });
    }
  }
  key?.fill(0);
  const whole =
    manifest.tagListHash !== undefined
      ? tagListMatches(manifest)
      : equalBytes(backend.sha256Parts([weights]), hexToBytes(manifest.modelHash ?? ''));
  if (!whole) {
    weights.fill(0);
    return mgErr(
      'INTEGRITY_FAILED',
      'the reconstructed model does not match the manifest SHA-256',
      'The manifest was modified (its modelHash or chunk list); check its signature or fetch it again.',
      { subCode: 'MODEL_HASH_MISMATCH' },
    );
  }
  return ok({ weights, badNodes: [...badNodes].sort((a, b) => a - b), rejectedClaims });
}
