/**
 * The tag list hash of manifest version 4: the whole-model digest derived from the chunk tags
 * (a hash list), so guard hashes every input byte once (for its chunk tag) instead of twice.
 *
 *   tagListHash = SHA-256( "xorida/modelguard/tags/v4" || 0x00 || modelId (16 bytes)
 *                          || u64be modelSize || u32be chunkCount || tag_0 || ... || tag_{c-1} )
 *
 * Why it is as strong as a SHA-256 of the whole model: every tag is a SHA-256 over its chunk
 * bound to the model id, index, offset and length (chunk-tag.ts), so two models with the same
 * tag list hash differ only by a SHA-256 collision. Readers check it against the tags in the
 * manifest when parsing, and every chunk against its tag when restoring.
 *
 * Pitfall: it is not the SHA-256 of the model file; `sha256sum` gives a different value.
 *
 * @module
 */
import { backend } from '@xorida/agent-sdk/crypto';
import { bytesToHex, hexToBytes } from 'xorida';
import type { ModelManifest } from '../types.js';
import { writeU64 } from './byte-order.js';

const DOMAIN = new TextEncoder().encode('xorida/modelguard/tags/v4');

/** Length in bytes of the tag list prefix (25 + 1 + 16 + 8 + 4 = 54). */
export const TAG_LIST_PREFIX_LENGTH = DOMAIN.length + 1 + 16 + 8 + 4;

/**
 * Computes the tag list hash.
 * @param modelId 16 bytes (the manifest id)
 * @param modelSize model length in bytes, 0..2^53-1
 * @param tags the chunk tags in chunk order, 32 bytes each (at most 2^32-1)
 * @returns 32 bytes
 * @throws RangeError when `modelId` is not 16 bytes or a tag is not 32 bytes (a bug: callers
 *   pass checked values)
 */
export function tagListHash(
  modelId: Uint8Array,
  modelSize: number,
  tags: readonly Uint8Array[],
): Uint8Array {
  if (modelId.length !== 16) throw new RangeError('modelId must be 16 bytes');
  if (!tags.every((t) => t.length === 32)) throw new RangeError('tags must be 32 bytes');
  const prefix = new Uint8Array(TAG_LIST_PREFIX_LENGTH);
  const v = new DataView(prefix.buffer);
  prefix.set(DOMAIN, 0);
  let at = DOMAIN.length + 1; // the 0x00 separator is already zero
  prefix.set(modelId, at);
  at += 16;
  writeU64(v, at, modelSize);
  v.setUint32(at + 8, tags.length);
  return backend.sha256Parts([prefix, ...tags]);
}

/**
 * Whether a version 4 manifest's `tagListHash` matches its chunk tags.
 * @param manifest a manifest with `id`, `modelSize`, `chunks[].tag` and `tagListHash` (hex)
 * @returns false when `tagListHash` is absent or differs
 */
export function tagListMatches(manifest: ModelManifest): boolean {
  return (
    manifest.tagListHash !== undefined &&
    bytesToHex(
      tagListHash(
        hexToBytes(manifest.id),
        manifest.modelSize,
        manifest.chunks.map((c) => hexToBytes(c.tag)),
      ),
    ) === manifest.tagListHash
  );
}

/**
 * The model digest to show a user: `sha256 <hex>` (versions 2, 3) or `tag list hash <hex>` (4).
 * @param manifest a checked manifest
 */
export function modelDigestLabel(manifest: ModelManifest): string {
  return manifest.tagListHash === undefined
    ? `sha256 ${manifest.modelHash}`
    : `tag list hash ${manifest.tagListHash}`;
}
