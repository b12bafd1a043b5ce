/**
 * `guardModel`: split in-memory model weights into chunk shares for n storage nodes, and write
 * the manifest that checks them (per-chunk tags, whole-model SHA-256, group ids).
 *
 * Pitfalls:
 * - The whole model and all n shares are in memory at once (about (n+1) x the model). For
 *   multi-GB files use `guardFile` from `@xorida/modelguard/node`, which streams.
 * - The split hides the weights from any k-1 nodes; the manifest does not hide anything and
 *   must be protected for integrity (sign it with `signManifest`), not for secrecy.
 * - The manifest grows with chunks x nodes: one 64-hex share digest per (chunk, node), e.g.
 *   about 120 KB for a 2 GiB model in 4 MiB chunks on 3 nodes; parsing caps it at 256 MiB.
 * - An empty model has zero chunks (xorida refuses empty secrets): its manifest carries only
 *   the SHA-256 of the empty string, and `shares` is `[]`.
 *
 * @module
 */
import { backend } from '@xorida/agent-sdk/crypto';
import {
  bytesToHex,
  createDisperser,
  createSplitter,
  encodeShare,
  ok,
  type Result,
  type Share,
  type XoridaError,
} from 'xorida';
import { type ModelGuardError, mgErr } from './errors.js';
import { planChunks } from './lib/chunk-plan.js';
import { chunkTagPrefix } from './lib/chunk-tag.js';
import { CONTENT_KEY_LENGTH, sealChunk } from './lib/compact.js';
import { checkConfig, checkFinalMetadata, checkMetadataInput } from './lib/config-check.js';
import { type SplitKey, splitContentKey } from './lib/content-key.js';
import { idealShareTag, SHARE_TAG_KEY_LENGTH } from './lib/ideal-share-tag.js';
import { PRODUCT_TYPE_MODELGUARD } from './lib/limits.js';
import { buildManifest } from './lib/manifest-build.js';
import { parseSafetensorsHeader, safetensorsHeaderLength } from './lib/safetensors.js';
import { shareTag } from './lib/share-tag.js';
import type {
  ManifestChunk,
  ModelGuardConfig,
  ModelGuardResult,
  ModelMetadata,
  ModelWeightShare,
} from './types.js';

/**
 * Detects a safetensors header at the start of `weights`.
 * @param metadata the caller's metadata
 * @param first the first 8 bytes of the input (fewer when it is shorter)
 * @param size input length in bytes
 * @param readHeader returns the `length` header bytes after the first 8, or undefined
 * @returns the metadata extended with `format` and `safetensors` (a detected header replaces
 *   any caller `safetensors`), the length in bytes of the header chunk (0 when not
 *   safetensors) and whether safetensors was detected
 */
export function describeInput(
  metadata: ModelMetadata,
  first: Uint8Array,
  size: number,
  readHeader: (length: number) => Uint8Array | undefined,
): { metadata: ModelMetadata; firstChunk: number; safetensors: boolean } {
  const n = safetensorsHeaderLength(first, size);
  const header = n === undefined ? undefined : readHeader(n);
  const info = header ? parseSafetensorsHeader(header, size) : undefined;
  if (info)
    return {
      metadata: { ...metadata, format: 'safetensors', safetensors: info },
      firstChunk: 8 + info.headerLength,
      safetensors: true,
    };
  return {
    metadata: { ...metadata, format: metadata.format ?? (metadata.tfjs ? 'tfjs' : 'raw') },
    firstChunk: 0,
    safetensors: false,
  };
}

/**
 * Splits model weights K-of-N into per-chunk shares.
 * @param weights the model bytes (0..2^32-1 bytes in practice: one buffer); not modified
 * @param metadata `{ name, version, architecture, parameterCount, modelSize }` with
 *   `modelSize === weights.length`; `tfjs.weightsManifest` may be attached for TF.js models
 * @param config `{ storageNodes: n, threshold: k, chunkSize = 4 MiB, mode = 'ideal' }`; with
 *   `mode: 'compact'` each chunk is sealed with AES-256-GCM under a fresh per-model key and
 *   dispersed (ramp scheme, L = k), and the key is split k-of-n (docs/formats.md "Compact mode")
 * @returns `{ manifest, shares, keyShares? }` with `shares[chunkIndex][nodeIndex]` (IDA5 share
 *   bytes, product type 0x0010) and, in compact mode, `keyShares[nodeIndex]`, or `INVALID_CONFIG` (bad config, or metadata the manifest parser
 *   would refuse: unknown keys, `safetensors` for a non-safetensors input, a `format` that
 *   disagrees with the sections, a bad `tfjs.weightsManifest`) / `SPLIT_FAILED`
 * @see docs/formats.md#modelguard; xorida-scheme.md sections 2 and 6
 */
export async function guardModel(
  weights: Uint8Array,
  metadata: ModelMetadata,
  config: ModelGuardConfig,
): Promise<Result<ModelGuardResult, ModelGuardError>> {
  if (!(weights instanceof Uint8Array))
    return mgErr(
      'INVALID_CONFIG',
      'weights must be a Uint8Array',
      'Read the model file into bytes.',
      { field: 'weights' },
    );
  // An empty model would produce a manifest that restores nothing and proves nothing.
  if (weights.length === 0)
    return mgErr('INVALID_CONFIG', 'weights are empty', 'Pass the model bytes (at least 1 byte).', {
      field: 'weights',
    });
  const cfg = checkConfig(config);
  if (!cfg.ok) return cfg;
  const meta = checkMetadataInput(metadata, weights.length);
  if (!meta.ok) return meta;
  const { storageNodes: n, threshold: k, chunkSize, mode } = cfg.value;
  const described = describeInput(metadata, weights.subarray(0, 8), weights.length, (len) =>
    weights.subarray(8, 8 + len),
  );
  const final = checkFinalMetadata(
    metadata,
    described.metadata,
    described.safetensors,
    weights.length,
  );
  if (!final.ok) return final;
  const modelId = globalThis.crypto.getRandomValues(new Uint8Array(16));
  const id = bytesToHex(modelId);
  const spans = planChunks(weights.length, chunkSize, described.firstChunk);
  const splitter = createSplitter({ threshold: k, shares: n });
  if (!splitter.ok) return mgErr('SPLIT_FAILED', splitter.error.message, splitter.error.hint);
  const disperser = mode === 'compact' ? createDisperser({ k, n }) : undefined;
  if (disperser && !disperser.ok)
    return mgErr('SPLIT_FAILED', disperser.error.message, disperser.error.hint);
  // Compact mode (Krawczyk, CRYPTO '93): seal each chunk under a per-model key, disperse it.
  const key =
    mode === 'compact'
      ? globalThis.crypto.getRandomValues(new Uint8Array(CONTENT_KEY_LENGTH))
      : undefined;
  // Ideal mode (manifest version 5): a fresh share tag key, recorded in the manifest.
  const tagKey =
    mode === 'ideal'
      ? globalThis.crypto.getRandomValues(new Uint8Array(SHARE_TAG_KEY_LENGTH))
      : undefined;
  const deal = (c: number, offset: number, chunk: Uint8Array): Result<Share[], XoridaError> => {
    if (!key || !disperser?.ok) return splitter.value.split(chunk);
    const sealed = sealChunk(key, modelId, c, offset, chunk);
    const r = disperser.value.disperse(sealed);
    sealed.fill(0);
    return r;
  };
  let splitKey: SplitKey | undefined;
  const chunks: ManifestChunk[] = [];
  const shares: ModelWeightShare[][] = [];
  try {
    if (key) splitKey = splitContentKey(key, modelId, k, n);
    for (let c = 0; c < spans.length; c++) {
      const { offset, length } = spans[c]!;
      const chunk = weights.subarray(offset, offset + length);
      const split = deal(c, offset, chunk);
      if (!split.ok)
        return mgErr('SPLIT_FAILED', `chunk ${c}: ${split.error.message}`, split.error.hint, {
          chunkIndex: c,
        });
      const row: ModelWeightShare[] = [];
      const shareDigests: string[] = [];
      for (const s of split.value) {
        const enc = encodeShare(s, { productType: PRODUCT_TYPE_MODELGUARD });
        s.payload.fill(0);
        if (!enc.ok)
          return mgErr('SPLIT_FAILED', `chunk ${c}: ${enc.error.message}`, enc.error.hint, {
            chunkIndex: c,
          });
        row.push({
          index: s.index,
          total: n,
          threshold: k,
          modelId: id,
          chunkId: `${id}:${c}`,
          chunkIndex: c,
          totalChunks: spans.length,
          data: enc.value,
          originalSize: length,
        });
        // Version 5: GMAC share tags under the content key (compact, share-tag.ts) or keyed
        // share tags under the share tag key (ideal, ideal-share-tag.ts).
        shareDigests.push(
          bytesToHex(
            key
              ? shareTag(key, c, s.index, enc.value)
              : idealShareTag(tagKey!, c, s.index, enc.value),
          ),
        );
      }
      shares.push(row);
      const tag = backend.sha256Parts([chunkTagPrefix(modelId, c, offset, length), chunk]);
      chunks.push({
        index: c,
        offset,
        length,
        groupId: bytesToHex(split.value[0]!.groupId),
        tag: bytesToHex(tag),
        shareTags: shareDigests,
      });
    }
  } finally {
    splitter.value.dispose();
    if (disperser?.ok) disperser.value.dispose();
    key?.fill(0);
  }
  const manifest = buildManifest({
    id,
    metadata: described.metadata,
    config: { storageNodes: n, threshold: k, chunkSize },
    modelSize: weights.length,
    chunks,
    mode: splitKey ? 'compact' : 'ideal',
    ...(splitKey
      ? { contentKey: { groupId: splitKey.groupId, shareDigests: splitKey.shareDigests } }
      : {}),
    ...(tagKey ? { shareTagKey: bytesToHex(tagKey) } : {}),
  });
  if (!splitKey) return ok({ manifest, shares });
  return ok({ manifest, shares, keyShares: splitKey.shares });
}
