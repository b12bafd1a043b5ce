/**
 * The share tag of manifest version 4, compact mode: a GMAC (AES-256-GCM with an empty
 * plaintext, NIST SP 800-38D) of one node's encoded dispersal share of one chunk, under the
 * model's content key. It replaces the SHA-256 share digest there: about six times cheaper per
 * byte on this hardware, and it still judges each share on its own, so a bad node is named even
 * when only k nodes answer.
 *
 *   nonce = 0xffffffff || u32be chunkIndex || u32be nodeIndex                    (12 bytes)
 *   shareTag = AES-256-GCM(contentKey, nonce, plaintext = empty, aad = encoded IDA5 share)
 *            = the 16-byte GCM tag
 *
 * Why this nonce: chunk sealing (compact.ts) uses `u32be chunkIndex || u64be offset` with
 * chunkIndex < 2^24 (MAX_CHUNKS), so a nonce starting 0xffffffff never repeats one of them, and
 * (chunk, node) pairs are unique within a model; GCM stays secure for any set of distinct
 * nonces under one key. The key is fresh per model, so no model id is needed in the input.
 *
 * Pitfall: a share tag only binds nodes that do not hold the key: k or more colluding nodes can
 * recover the key and forge tags for altered shares. They still cannot pass the chunk tag
 * (SHA-256 over the plaintext), so integrity holds; only the naming of bad nodes is then lost.
 *
 * @module
 */
import { backend } from '@xorida/agent-sdk/crypto';
import { NONCE_LENGTH } from './compact.js';

/** Share tag length in bytes. */
export const SHARE_TAG_LENGTH = 16;

const EMPTY = new Uint8Array(0);

/**
 * The GMAC nonce of a share tag.
 * @param chunkIndex 0..2^32-1
 * @param nodeIndex 0..254
 * @returns 12 bytes
 */
export function shareTagNonce(chunkIndex: number, nodeIndex: number): Uint8Array {
  const out = new Uint8Array(NONCE_LENGTH);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0xffffffff);
  v.setUint32(4, chunkIndex);
  v.setUint32(8, nodeIndex);
  return out;
}

/**
 * Computes a share tag.
 * @param key the 32-byte content key
 * @param chunkIndex chunk index
 * @param nodeIndex node (share) index
 * @param share the encoded IDA5 share (header and payload)
 * @returns 16 bytes
 */
export function shareTag(
  key: Uint8Array,
  chunkIndex: number,
  nodeIndex: number,
  share: Uint8Array,
): Uint8Array {
  return backend.aes256GcmSealSync(key, shareTagNonce(chunkIndex, nodeIndex), EMPTY, share);
}
