/**
 * The share digest: SHA-256 over a context prefix and one node's encoded share of one chunk,
 * recorded in the manifest for every (chunk, node) pair (manifest version 2).
 *
 *   digest = SHA-256( "xorida/modelguard/share/v1" || 0x00 || modelId (16 bytes)
 *                     || u32be chunkIndex || u8 nodeIndex || IDA5 share bytes (header included) )
 *
 * Why: xorida is linear, so with only a chunk tag k-1 colluding nodes can alter their shares so
 * that one k-subset still reconstructs the right chunk while every subset with an honest node
 * fails, and the honest node gets the blame. A digest per share decides good or bad for each
 * share on its own, before any reconstruction; the chunk tag and the whole-model hash are still
 * checked afterwards.
 *
 * Pitfall: like the chunk tags, the digests are only as trustworthy as the manifest that holds
 * them: keep it apart from the nodes, or sign it and verify against a key obtained out of band.
 *
 * @module
 */

const DOMAIN = new TextEncoder().encode('xorida/modelguard/share/v1');

/** Length in bytes of the share digest prefix (26 + 1 + 16 + 4 + 1 = 48). */
export const SHARE_DIGEST_PREFIX_LENGTH = DOMAIN.length + 1 + 16 + 4 + 1;

/**
 * Builds the prefix hashed before the encoded share bytes.
 * @param modelId 16 bytes (the manifest id)
 * @param chunkIndex chunk index, 0..2^32-1
 * @param nodeIndex node (share) index, 0..254
 * @returns `SHARE_DIGEST_PREFIX_LENGTH` bytes
 * @throws RangeError when `modelId` is not 16 bytes or an index is out of range (a bug: the
 *   callers' checks come first)
 */
export function shareDigestPrefix(
  modelId: Uint8Array,
  chunkIndex: number,
  nodeIndex: number,
): Uint8Array {
  if (modelId.length !== 16) throw new RangeError('modelId must be 16 bytes');
  if (!Number.isInteger(nodeIndex) || nodeIndex < 0 || nodeIndex > 254)
    throw new RangeError('nodeIndex must be 0..254');
  const out = new Uint8Array(SHARE_DIGEST_PREFIX_LENGTH);
  const v = new DataView(out.buffer);
  out.set(DOMAIN, 0);
  let at = DOMAIN.length + 1; // the 0x00 separator is already zero
  out.set(modelId, at);
  at += 16;
  v.setUint32(at, chunkIndex);
  v.setUint8(at + 4, nodeIndex);
  return out;
}
