/**
 * The whole-model check at the end of a streaming restore or verify, for every manifest
 * version: versions 2 and 3 record the SHA-256 of the model (`modelHash`), so the restored
 * bytes are hashed again; versions 4 and 5 record the tag list hash (lib/tag-list.ts), recomputed
 * from the manifest's tags, because every restored chunk was already checked against its tag.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { tagListMatches } from '../lib/tag-list.js';
import type { ModelManifest } from '../types.js';

/** Accumulates restored chunks (in order) and checks them against the manifest. */
export interface ModelDigest {
  /** Feeds the next restored chunk (versions 2 and 3 hash it; versions 4 and 5 ignore it). */
  update(bytes: Uint8Array): void;
  /** Whether the whole model matches the manifest's `modelHash` or `tagListHash`. */
  matches(): boolean;
}

/**
 * Starts the whole-model check of a manifest.
 * @param manifest a checked manifest
 * @returns an accumulator; call `matches()` once, after the last chunk
 */
export function modelDigest(manifest: ModelManifest): ModelDigest {
  if (manifest.tagListHash !== undefined)
    return { update: () => {}, matches: () => tagListMatches(manifest) };
  const hash = createHash('sha256');
  return {
    update: (bytes) => void hash.update(bytes),
    matches: () => hash.digest('hex') === manifest.modelHash,
  };
}
