/**
 * The chunk tag: SHA-256 over a context prefix and the chunk bytes, recorded in the manifest.
 *
 *   tag = SHA-256( "xorida/modelguard/chunk/v1" || 0x00 || modelId (16 bytes)
 *                  || u32be chunkIndex || u64be offset || u32be length || chunk bytes )
 *
 * Binding the model id, index, offset and length means a correct chunk moved to another place,
 * or taken from another model, fails its tag. The tag is only as trustworthy as the manifest
 * that holds it: keep the manifest apart from the nodes, or sign it and check the signature.
 *
 * Pitfall: a tag of public content lets a manifest holder confirm a guess of that chunk (as any
 * hash does); the manifest is integrity data, not a secret, but do not publish it needlessly.
 *
 * @module
 */
import { writeU64 } from './byte-order.js';

const DOMAIN = new TextEncoder().encode('xorida/modelguard/chunk/v1');

/** Length in bytes of the tag prefix. */
export const TAG_PREFIX_LENGTH = DOMAIN.length + 1 + 16 + 4 + 8 + 4;

/**
 * Builds the prefix hashed before the chunk bytes.
 * @param modelId 16 bytes
 * @param index chunk index, 0..2^32-1
 * @param offset chunk offset in bytes, 0..2^53-1
 * @param length chunk length in bytes, 1..2^32-1
 * @returns `TAG_PREFIX_LENGTH` bytes
 */
export function chunkTagPrefix(
  modelId: Uint8Array,
  index: number,
  offset: number,
  length: number,
): Uint8Array {
  if (modelId.length !== 16) throw new RangeError('modelId must be 16 bytes');
  const out = new Uint8Array(TAG_PREFIX_LENGTH);
  const v = new DataView(out.buffer);
  out.set(DOMAIN, 0);
  let at = DOMAIN.length + 1; // the 0x00 separator is already zero
  out.set(modelId, at);
  at += 16;
  v.setUint32(at, index);
  writeU64(v, at + 4, offset);
  v.setUint32(at + 12, length);
  return out;
}
