/**
 * Compact mode, after Krawczyk, "Secret Sharing Made Short" (CRYPTO '93): a random 256-bit
 * content key per model seals every chunk with AES-256-GCM (NIST SP 800-38D); the sealed chunk
 * is dispersed k-of-n with xorida's ramp scheme at L = k (each share about 1/k of it), and the
 * content key is split k-of-n with xorida `split` (one key share in each node blob).
 * Formats in docs/formats.md, "Compact mode".
 *
 *   nonce = u32be chunkIndex || u64be offset                                (12 bytes)
 *   aad   = "xorida/modelguard/compact/v1" || 0x00 || modelId (16 bytes)
 *           || u32be chunkIndex || u64be offset || u32be length             (61 bytes)
 *   sealed chunk = AES-256-GCM(contentKey, nonce, chunk, aad) = ciphertext || 16-byte tag
 *
 * Why this nonce: the key is fresh per model and the chunk index is unique within a model, so
 * the nonce never repeats under one key (no birthday bound, unlike a random or hashed nonce).
 * GCM authenticates nonce and AAD, so a sealed chunk only opens at its own model, index,
 * offset and length.
 *
 *   key share digest = SHA-256( "xorida/modelguard/key/v1" || 0x00 || modelId (16 bytes)
 *                               || u8 nodeIndex || encoded IDA5 key share )
 *
 * Pitfalls:
 * - Security is computational: fewer than k nodes hold fewer than k key shares (which reveal
 *   nothing about the key) and dispersal shares of ciphertext; they learn nothing short of
 *   breaking AES-256. Dispersal alone (L = k) would leak: never store unsealed chunks this way.
 * - The key is a secret in memory during guard and restore; it is wiped after use but copies
 *   made by the runtime (worker messages) are beyond our control.
 *
 * @module
 */
import { backend } from '@xorida/agent-sdk/crypto';
import { SHARE_HEADER_LENGTH, shareLength } from 'xorida';
import { writeU64 } from './byte-order.js';

/** Content key length in bytes (AES-256). */
export const CONTENT_KEY_LENGTH = 32;
/** GCM tag length in bytes appended to every sealed chunk. */
export const GCM_TAG_LENGTH = 16;
/** GCM nonce length in bytes. */
export const NONCE_LENGTH = 12;
/** IDA5 product type of a compact-mode content key share (docs/formats.md, product types). */
export const PRODUCT_TYPE_MODELGUARD_KEY = 0x0011;

const AAD_DOMAIN = new TextEncoder().encode('xorida/modelguard/compact/v1');
const KEY_DOMAIN = new TextEncoder().encode('xorida/modelguard/key/v1');

/** Length in bytes of the AAD (28 + 1 + 16 + 4 + 8 + 4 = 61). */
export const AAD_LENGTH = AAD_DOMAIN.length + 1 + 16 + 4 + 8 + 4;
/** Length in bytes of the key share digest prefix (24 + 1 + 16 + 1 = 42). */
export const KEY_DIGEST_PREFIX_LENGTH = KEY_DOMAIN.length + 1 + 16 + 1;

/**
 * Length of a sealed chunk: the chunk plus the GCM tag.
 * @param length chunk length in bytes
 * @returns `length + 16` bytes
 */
export function sealedLength(length: number): number {
  return length + GCM_TAG_LENGTH;
}

/**
 * Encoded length of one node's content key share: IDA5 version 1 header plus payload.
 * @param n number of nodes, 2..255
 * @returns bytes
 */
export function keyShareLength(n: number): number {
  return SHARE_HEADER_LENGTH + shareLength(CONTENT_KEY_LENGTH, n);
}

/**
 * The GCM nonce of a chunk: `u32be chunkIndex || u64be offset`.
 * @param index chunk index, 0..2^32-1
 * @param offset chunk offset in bytes, 0..2^53-1
 * @returns 12 bytes
 */
export function chunkNonce(index: number, offset: number): Uint8Array {
  const out = new Uint8Array(NONCE_LENGTH);
  const v = new DataView(out.buffer);
  v.setUint32(0, index);
  writeU64(v, 4, offset);
  return out;
}

/**
 * The GCM additional data of a chunk (see the module doc).
 * @param modelId 16 bytes
 * @param index chunk index
 * @param offset chunk offset in bytes
 * @param length chunk (plaintext) length in bytes
 * @returns `AAD_LENGTH` bytes
 * @throws RangeError when `modelId` is not 16 bytes (a bug: callers check first)
 */
export function chunkAad(
  modelId: Uint8Array,
  index: number,
  offset: number,
  length: number,
): Uint8Array {
  if (modelId.length !== 16) throw new RangeError('modelId must be 16 bytes');
  const out = new Uint8Array(AAD_LENGTH);
  const v = new DataView(out.buffer);
  out.set(AAD_DOMAIN, 0);
  let at = AAD_DOMAIN.length + 1;
  out.set(modelId, at);
  at += 16;
  v.setUint32(at, index);
  writeU64(v, at + 4, offset);
  v.setUint32(at + 12, length);
  return out;
}

/**
 * Seals one chunk with AES-256-GCM (native in Node, through `@xorida/agent-sdk/crypto`).
 * @param key the 32-byte content key
 * @param modelId 16 bytes
 * @param index chunk index
 * @param offset chunk offset in bytes
 * @param chunk the plaintext (1 byte or more); not modified
 * @returns ciphertext || tag, `chunk.length + 16` bytes (a new buffer)
 */
export function sealChunk(
  key: Uint8Array,
  modelId: Uint8Array,
  index: number,
  offset: number,
  chunk: Uint8Array,
): Uint8Array {
  return backend.aes256GcmSealSync(
    key,
    chunkNonce(index, offset),
    chunk,
    chunkAad(modelId, index, offset, chunk.length),
  );
}

/**
 * Opens one sealed chunk.
 * @param key the 32-byte content key
 * @param modelId 16 bytes
 * @param index chunk index
 * @param offset chunk offset in bytes
 * @param sealed ciphertext || tag, `length + 16` bytes
 * @returns the plaintext (`sealed.length - 16` bytes, a new buffer), or null when the tag does
 *   not verify (wrong key, wrong place, or altered bytes)
 */
export function openChunk(
  key: Uint8Array,
  modelId: Uint8Array,
  index: number,
  offset: number,
  sealed: Uint8Array,
): Uint8Array | null {
  if (sealed.length <= GCM_TAG_LENGTH) return null;
  return backend.aes256GcmOpenSync(
    key,
    chunkNonce(index, offset),
    sealed,
    chunkAad(modelId, index, offset, sealed.length - GCM_TAG_LENGTH),
  );
}

/**
 * `openChunk` in place, for large buffers the caller owns: the plaintext overwrites `sealed`
 * (its contents are lost, on failure too: wipe it) and comes back as a view of it, sparing a
 * fresh allocation (a zero fill and page faults) per chunk. Same AES-256-GCM as `openChunk`.
 * @param key the 32-byte content key
 * @param modelId 16 bytes
 * @param index chunk index
 * @param offset chunk offset in bytes
 * @param sealed ciphertext || tag, `length + 16` bytes
 * @returns the plaintext (`sealed.length - 16` bytes, possibly a view of `sealed`), or null
 *   when the tag does not verify
 */
export async function openChunkInPlace(
  key: Uint8Array,
  modelId: Uint8Array,
  index: number,
  offset: number,
  sealed: Uint8Array,
): Promise<Uint8Array | null> {
  if (sealed.length <= GCM_TAG_LENGTH) return null;
  return backend.aes256GcmOpen(
    key,
    chunkNonce(index, offset),
    sealed,
    chunkAad(modelId, index, offset, sealed.length - GCM_TAG_LENGTH),
    true,
  );
}

/**
 * `sealChunk` in place: the sealed bytes overwrite `chunk` and run 16 bytes past it, so
 * `chunk.buffer` must have that room after `chunk`, else a new buffer is returned.
 * @param key the 32-byte content key
 * @param modelId 16 bytes
 * @param index chunk index
 * @param offset chunk offset in bytes
 * @param chunk the plaintext (1 byte or more); overwritten when there is room
 * @returns ciphertext || tag, `chunk.length + 16` bytes (a view over `chunk.buffer` when there
 *   was room)
 */
export async function sealChunkInPlace(
  key: Uint8Array,
  modelId: Uint8Array,
  index: number,
  offset: number,
  chunk: Uint8Array,
): Promise<Uint8Array> {
  return backend.aes256GcmSeal(
    key,
    chunkNonce(index, offset),
    chunk,
    chunkAad(modelId, index, offset, chunk.length),
    0,
    true,
  );
}

/**
 * Builds the prefix hashed before an encoded key share (see the module doc).
 * @param modelId 16 bytes
 * @param nodeIndex 0..254
 * @returns `KEY_DIGEST_PREFIX_LENGTH` bytes
 * @throws RangeError on a bad modelId or index (a bug: callers check first)
 */
export function keyShareDigestPrefix(modelId: Uint8Array, nodeIndex: number): Uint8Array {
  if (modelId.length !== 16) throw new RangeError('modelId must be 16 bytes');
  if (!Number.isInteger(nodeIndex) || nodeIndex < 0 || nodeIndex > 254)
    throw new RangeError('nodeIndex must be 0..254');
  const out = new Uint8Array(KEY_DIGEST_PREFIX_LENGTH);
  out.set(KEY_DOMAIN, 0);
  out.set(modelId, KEY_DOMAIN.length + 1);
  out[KEY_DOMAIN.length + 17] = nodeIndex;
  return out;
}
