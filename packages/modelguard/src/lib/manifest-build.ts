/**
 * Building the manifest that `guardModel` and `guardFile` write: version 5 (docs/formats.md
 * "Manifest version 5"), with the tag list hash computed from the chunk tags.
 *
 * @module
 */
import { bytesToHex, hexToBytes } from 'xorida';
import type { ManifestChunk, ManifestContentKey, ModelManifest, ModelMetadata } from '../types.js';
import { tagListHash } from './tag-list.js';

/** What a guard knows at the end. */
export interface ManifestParts {
  /** Model id, 32 hex chars. */
  readonly id: string;
  readonly metadata: ModelMetadata;
  readonly config: { storageNodes: number; threshold: number; chunkSize: number };
  readonly modelSize: number;
  /** Chunks in order; in compact mode without `shareDigests`. */
  readonly chunks: ManifestChunk[];
  readonly mode: 'ideal' | 'compact';
  /** Compact mode only. */
  readonly contentKey?: ManifestContentKey;
  /** Ideal mode only: the share tag key (64 hex chars) of the chunks' `shareTags`. */
  readonly shareTagKey?: string;
}

/**
 * Assembles an unsigned version 5 manifest.
 * @param p the parts; `chunks[].tag` are 64 hex chars
 * @returns the manifest (`createdAt` now, `tagListHash` over the tags)
 */
export function buildManifest(p: ManifestParts): ModelManifest {
  const tags = p.chunks.map((c) => hexToBytes(c.tag));
  return {
    format: 'xorida-modelguard-manifest',
    version: 5,
    id: p.id,
    createdAt: new Date().toISOString(),
    metadata: p.metadata,
    config: p.config,
    mode: p.mode,
    ...(p.contentKey ? { contentKey: p.contentKey } : {}),
    ...(p.shareTagKey ? { shareTagKey: p.shareTagKey } : {}),
    modelSize: p.modelSize,
    tagListHash: bytesToHex(tagListHash(hexToBytes(p.id), p.modelSize, tags)),
    totalChunks: p.chunks.length,
    chunks: p.chunks,
  };
}
