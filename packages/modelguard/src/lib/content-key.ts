/**
 * The compact-mode content key: drawn per model, split k-of-n with xorida `split` (one IDA5
 * share per node, product type 0x0011), and recovered from node key shares that are each
 * checked against their digest in the manifest first (compact.ts, docs/formats.md
 * "Compact mode").
 *
 * Pitfall: like chunk shares, key shares are judged one by one by their digest, never by
 * which k-subset happens to reconstruct: xorida is linear, so k-1 colluding nodes could
 * otherwise steer a subset search.
 *
 * @module
 */
import { backend } from '@xorida/agent-sdk/crypto';
import { bytesToHex, encodeShare, ok, type Result, reconstruct, split } from 'xorida';
import { type ModelGuardError, mgErr } from '../errors.js';
import {
  CONTENT_KEY_LENGTH,
  keyShareDigestPrefix,
  keyShareLength,
  PRODUCT_TYPE_MODELGUARD_KEY,
} from './compact.js';
import { type ShareView, viewShare } from './share-view.js';

/** The content key split for n nodes. */
export interface SplitKey {
  /** Hex groupId of the key split (32 chars). */
  readonly groupId: string;
  /** `shares[node]`: the encoded IDA5 key share, `keyShareLength(n)` bytes. */
  readonly shares: Uint8Array[];
  /** `shareDigests[node]`: 64 hex chars. */
  readonly shareDigests: string[];
}

/**
 * Splits a content key k-of-n.
 * @param key 32 bytes; not modified
 * @param modelId 16 bytes
 * @param k threshold, 2..n
 * @param n nodes, 2..255
 * @returns the encoded shares and their digests
 * @throws Error when xorida refuses (a bug: the config was checked before)
 */
export function splitContentKey(
  key: Uint8Array,
  modelId: Uint8Array,
  k: number,
  n: number,
): SplitKey {
  const s = split(key, { threshold: k, shares: n });
  if (!s.ok) throw new Error(`content key split: ${s.error.message}`);
  const shares = s.value.map((share) => {
    const e = encodeShare(share, { productType: PRODUCT_TYPE_MODELGUARD_KEY });
    share.payload.fill(0);
    if (!e.ok) throw new Error(`content key share: ${e.error.message}`);
    return e.value;
  });
  return {
    groupId: bytesToHex(s.value[0]!.groupId),
    shares,
    shareDigests: shares.map((b, i) =>
      bytesToHex(backend.sha256Parts([keyShareDigestPrefix(modelId, i), b])),
    ),
  };
}

/**
 * Checks one node's key share against its digest in the manifest.
 * @param modelId 16 bytes
 * @param n nodes
 * @param node the node index the share is claimed for
 * @param digestHex the manifest's digest for that node (64 hex chars)
 * @param data the encoded key share
 * @returns the share viewed in place when it matches and is well formed, else undefined
 */
export function checkKeyShare(
  modelId: Uint8Array,
  n: number,
  node: number,
  digestHex: string | undefined,
  data: Uint8Array,
): ShareView | undefined {
  if (!(data instanceof Uint8Array) || data.length !== keyShareLength(n)) return undefined;
  const digest = bytesToHex(backend.sha256Parts([keyShareDigestPrefix(modelId, node), data]));
  const view = digest === digestHex ? viewShare(data) : undefined;
  return view && view.index === node && view.productType === PRODUCT_TYPE_MODELGUARD_KEY
    ? view
    : undefined;
}

/** A recovered content key and what was learnt about the nodes' key shares. */
export interface KeyRecovery {
  readonly key: Uint8Array;
  /** Node indices whose every offered key share failed its digest, ascending. */
  readonly badNodes: number[];
  /** `accepted[node]`: position of the claim used for that node, or -1. */
  readonly accepted: number[];
}

/**
 * Recovers the content key from the key shares nodes returned.
 * @param modelId 16 bytes
 * @param k threshold
 * @param n nodes
 * @param shareDigests `shareDigests[node]`: 64 hex chars from the manifest
 * @param candidates `candidates[node]`: every claim of that node's key share (possibly empty)
 * @returns the key, or `INSUFFICIENT_SHARES` (fewer than k nodes offered one) or `HMAC_FAILED`
 *   (sub-code `KEY_SHARE_MISMATCH`: fewer than k match their digests, `badNodes` set;
 *   `KEY_INVALID`: k matched but do not give a 32-byte key, i.e. an inconsistent manifest)
 */
export function recoverContentKey(
  modelId: Uint8Array,
  k: number,
  n: number,
  shareDigests: readonly string[],
  candidates: readonly (readonly Uint8Array[])[],
): Result<KeyRecovery, ModelGuardError> {
  const accepted = new Array<number>(n).fill(-1);
  const bad: number[] = [];
  const good: ShareView[] = [];
  let supplied = 0;
  for (let node = 0; node < n; node++) {
    const claims = candidates[node] ?? [];
    if (claims.length === 0) continue;
    supplied++;
    for (let j = 0; j < claims.length; j++) {
      const view = checkKeyShare(modelId, n, node, shareDigests[node], claims[j]!);
      if (view) {
        accepted[node] = j;
        good.push(view);
        break;
      }
    }
    if (accepted[node]! < 0) bad.push(node);
  }
  if (supplied < k)
    return mgErr(
      'INSUFFICIENT_SHARES',
      `${supplied} node(s) returned a content key share, ${k} are needed`,
      `Supply blobs from at least ${k} distinct nodes.`,
      { badNodes: bad },
    );
  if (good.length < k)
    return mgErr(
      'HMAC_FAILED',
      `${good.length} content key share(s) match their manifest digests, ${k} are needed; node(s) ${bad.join(', ')} returned bad key shares`,
      'Supply blobs from more nodes so the bad ones can be routed around.',
      { subCode: 'KEY_SHARE_MISMATCH', badNodes: bad },
    );
  const r = reconstruct(good.slice(0, k));
  if (!r.ok || r.value.length !== CONTENT_KEY_LENGTH)
    return mgErr(
      'HMAC_FAILED',
      'the content key shares match their digests but do not give a 32-byte key; the manifest is inconsistent',
      'The manifest was modified; check its signature or fetch it again from the owner.',
      { subCode: 'KEY_INVALID', badNodes: bad },
    );
  return ok({ key: r.value, badNodes: bad, accepted });
}
