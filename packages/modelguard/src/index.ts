/**
 * @xorida/modelguard: AI model weights split K-of-N across storage nodes with xorida, checked
 * by per-chunk tags and a whole-model SHA-256 held in an (optionally Ed25519-signed) manifest.
 * Browser-safe: uses Web Crypto only. Files, worker threads and the CLI are in
 * `@xorida/modelguard/node`.
 *
 * @module
 */
export type { ModelGuardError, ModelGuardErrorCode } from './errors.js';
export { guardModel } from './guard-model.js';
export {
  type ChunkSpan,
  NODE_HEADER_LENGTH,
  nodeBlobOffsets,
  planChunks,
} from './lib/chunk-plan.js';
export { chunkTagPrefix, TAG_PREFIX_LENGTH } from './lib/chunk-tag.js';
export { DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE, PRODUCT_TYPE_MODELGUARD } from './lib/limits.js';
export { SHARE_DIGEST_PREFIX_LENGTH, shareDigestPrefix } from './lib/share-digest.js';
export {
  checkManifest,
  MANIFEST_FORMAT,
  MANIFEST_VERSION,
  MANIFEST_VERSION_TAGS,
  manifestSignerDid,
  manifestSigningBytes,
  parseManifest,
  serializeManifest,
  signManifest,
  type TrustedKey,
  verifyManifest,
} from './manifest.js';
export { type ReconstructModelOptions, reconstructModel } from './reconstruct-model.js';
export { type ByteRange, isBlobName, nodeBlobName, type StorageNode } from './storage-node.js';
export type {
  ManifestChunk,
  ManifestContentKey,
  ManifestSignature,
  ModelGuardConfig,
  ModelGuardResult,
  ModelManifest,
  ModelMetadata,
  ModelWeightShare,
  ReconstructedModel,
  RejectedShareClaim,
  SafetensorsInfo,
  SafetensorsTensor,
} from './types.js';
