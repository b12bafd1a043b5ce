/**
 * The share tag of manifest version 5, ideal mode: a GMAC of one node's encoded share of one
 * chunk under a per-model share tag key recorded in the manifest, then hashed with SHA-256.
 * It replaces the SHA-256 share digest of versions 2 to 4: GMAC (AES-NI, carry-less multiply)
 * is about six times cheaper per byte here than SHA-256, and guard hashes n full-size shares per
 * chunk, so guard goes from n + 1 SHA-256 passes per input byte to one (the chunk tag).
 *
 *   gmac     = AES-256-GCM(shareTagKey, nonce = 0xffffffff || u32be chunkIndex || u32be nodeIndex,
 *                          plaintext = empty, aad = encoded IDA5 share)          (16 bytes)
 *   shareTag = SHA-256( "xorida/modelguard/share-tag/v5" (30 ASCII bytes) || 0x00 || gmac )
 *
 * Why the outer SHA-256: the key sits in the manifest, and GHASH is linear, so a bare GMAC
 * would hand a manifest holder 128 linear bits of every share; with k-1 shares that is linear
 * information about the chunk, breaking the "k-1 nodes learn nothing" claim for a node that
 * also reads the manifest. Hashed, the tag only lets a manifest holder confirm a full guess of
 * the chunk, as the chunk tag already does.
 *
 * Security assumption (README "How integrity works"): storage nodes do not read the manifest.
 * A node that knows the key can forge a tag for an altered share; it still cannot pass the
 * chunk tag (SHA-256 over the plaintext), so integrity holds and only the naming of bad nodes is
 * lost (restore then fails with HMAC_FAILED, blaming no one).
 *
 * @module
 */
import { backend } from '@xorida/agent-sdk/crypto';
import { shareTag } from './share-tag.js';

const DOMAIN = new TextEncoder().encode('xorida/modelguard/share-tag/v5');

/** Length in bytes of the share tag key. */
export const SHARE_TAG_KEY_LENGTH = 32;

/** Length in bytes of the prefix hashed before the GMAC (30 + 1 = 31). */
export const IDEAL_SHARE_TAG_PREFIX_LENGTH = DOMAIN.length + 1;

const PREFIX = new Uint8Array(IDEAL_SHARE_TAG_PREFIX_LENGTH);
PREFIX.set(DOMAIN, 0);

/**
 * Computes a version 5 ideal-mode share tag.
 * @param key the 32-byte share tag key (manifest `shareTagKey`)
 * @param chunkIndex chunk index, 0..2^32-1
 * @param nodeIndex node (share) index, 0..254
 * @param share the encoded IDA5 share (header and payload)
 * @returns 32 bytes
 * @see docs/formats.md "Manifest version 5"
 */
export function idealShareTag(
  key: Uint8Array,
  chunkIndex: number,
  nodeIndex: number,
  share: Uint8Array,
): Uint8Array {
  return backend.sha256Parts([PREFIX, shareTag(key, chunkIndex, nodeIndex, share)]);
}
