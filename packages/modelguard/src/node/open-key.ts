/**
 * Restore step 2b, compact mode only: read the content key share from every live claim (the
 * bytes right after the 48-byte blob header), check each against its digest in the manifest,
 * and recover the content key from k that match (content-key.ts). A claim whose key share
 * fails is treated like a claim with a bad header: it is not read further, and its node index
 * is reported bad when no other claim of it is usable.
 *
 * @module
 */
import { hexToBytes, ok, type Result } from 'xorida';
import type { ModelGuardError } from '../errors.js';
import { NODE_HEADER_LENGTH } from '../lib/chunk-plan.js';
import { keyShareLength } from '../lib/compact.js';
import { checkKeyShare, recoverContentKey } from '../lib/content-key.js';
import { nodeBlobName } from '../storage-node.js';
import type { ModelManifest } from '../types.js';
import type { Claim, OpenedNodes } from './open-nodes.js';

/**
 * Recovers the content key of a compact-mode manifest from the opened claims.
 * @param manifest a checked compact-mode manifest (with `contentKey`)
 * @param opened the claims from `openNodes`; `headerOk` is cleared on claims whose key share
 *   fails its digest or cannot be read
 * @returns the 32-byte key, or `INSUFFICIENT_SHARES` / `HMAC_FAILED` (`KEY_SHARE_MISMATCH`,
 *   `KEY_INVALID`) with `badNodes`
 */
export async function openContentKey(
  manifest: ModelManifest,
  opened: OpenedNodes,
): Promise<Result<Uint8Array, ModelGuardError>> {
  const { storageNodes: n, threshold: k } = manifest.config;
  const range = { offset: NODE_HEADER_LENGTH, length: keyShareLength(n) };
  const live: Claim[][] = opened.claims.map((list) => list.filter((c) => c.headerOk));
  const read: Uint8Array[][] = await Promise.all(
    live.map((list, i) =>
      Promise.all(
        list.map(async (claim) => {
          try {
            const b = await claim.node.get(nodeBlobName(manifest.id, i), range);
            return b instanceof Uint8Array && b.length === range.length ? b : new Uint8Array(0);
          } catch {
            return new Uint8Array(0); // unreadable: fails its digest like a wrong share
          }
        }),
      ),
    ),
  );
  const modelId = hexToBytes(manifest.id);
  const digests = manifest.contentKey!.shareDigests;
  // Judge every claim on its own, so a bad claim is excluded even when k good ones exist.
  for (let i = 0; i < n; i++)
    live[i]!.forEach((claim, j) => {
      if (!checkKeyShare(modelId, n, i, digests[i], read[i]![j]!)) claim.headerOk = false;
    });
  const r = recoverContentKey(modelId, k, n, digests, read);
  return r.ok ? ok(r.value.key) : r;
}
