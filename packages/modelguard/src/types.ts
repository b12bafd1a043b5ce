/**
 * Public value types of `@xorida/modelguard` (names follow the original Xguard design; where the issue
 * differs, the issue wins: shares carry no HMAC key, and reconstruction reports `badNodes`).
 *
 * Pitfall: every size and offset is a JavaScript `number` of bytes. They stay exact up to
 * 2^53 - 1; never combine them with `|`, `>>>` or `Uint32Array`, which truncate at 2^32.
 *
 * @module
 */

/** One tensor of a safetensors header, as recorded in the manifest. */
export interface SafetensorsTensor {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  /** `[begin, end)` byte offsets relative to the start of the data section. */
  readonly dataOffsets: readonly [number, number];
}

/** What the manifest records about a safetensors input. */
export interface SafetensorsInfo {
  /** Length in bytes of the JSON header (the u64 at file offset 0). */
  readonly headerLength: number;
  readonly tensors: readonly SafetensorsTensor[];
  /** The optional `__metadata__` string map of the header. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Descriptive metadata of a model. `modelSize` must equal the input length in bytes. */
export interface ModelMetadata {
  readonly name: string;
  readonly version: string;
  readonly architecture: string;
  readonly parameterCount: number;
  /** Input length in bytes. */
  readonly modelSize: number;
  /** Detected or declared container format. */
  readonly format?: 'raw' | 'safetensors' | 'tfjs';
  /** Header summary when `format` is `safetensors`. */
  readonly safetensors?: SafetensorsInfo;
  /** The TF.js weights manifest JSON (array of weight groups) when `format` is `tfjs`. */
  readonly tfjs?: { readonly weightsManifest: unknown };
}

/** Split parameters. */
export interface ModelGuardConfig {
  /** n: how many storage nodes receive a share of every chunk, 2..255. */
  readonly storageNodes: number;
  /** k: how many nodes recover the model, 2..storageNodes. */
  readonly threshold: number;
  /** Chunk length in bytes, 1..64 MiB; default 4 MiB (4,194,304). */
  readonly chunkSize?: number;
  /**
   * `'ideal'` (default): each chunk split k-of-n, information-theoretic, every share as large as
   * the chunk. `'compact'`: each chunk sealed with AES-256-GCM under a per-model key and
   * dispersed k-of-n (shares about 1/k of the chunk), the key split k-of-n; computational
   * (docs/formats.md "Compact mode").
   */
  readonly mode?: 'ideal' | 'compact';
}

/** The compact-mode content key split, as recorded in the manifest. */
export interface ManifestContentKey {
  /** The xorida groupId of the key split (32 hex chars). */
  readonly groupId: string;
  /** `shareDigests[node]`: key share digest (64 hex chars, n entries), docs/formats.md. */
  readonly shareDigests: readonly string[];
}

/** One chunk as recorded in the manifest. */
export interface ManifestChunk {
  /** 0-based chunk index. */
  readonly index: number;
  /** Byte offset of the chunk in the model. */
  readonly offset: number;
  /** Chunk length in bytes (>= 1). */
  readonly length: number;
  /** The xorida groupId of the chunk's split (32 hex chars); every share header repeats it. */
  readonly groupId: string;
  /** Chunk tag: SHA-256 over context and chunk bytes (64 hex chars), see docs/formats.md. */
  readonly tag: string;
  /**
   * `shareDigests[node]`: SHA-256 over context and node's encoded share of this chunk (64 hex
   * chars each, n entries), see docs/formats.md "Share digest". Each share is checked against
   * its own digest before use, so a bad node is named without trusting any other node. Absent
   * in version 4 compact mode, which records `shareTags` instead.
   */
  readonly shareDigests?: readonly string[];
  /**
   * Version 4 and 5 compact mode: `shareTags[node]`, the GMAC share tag of node's encoded share
   * under the content key (32 hex chars each, n entries), docs/formats.md "Manifest version 4".
   * Version 5 ideal mode: the keyed share tag under `shareTagKey` (64 hex chars each, n entries),
   * docs/formats.md "Manifest version 5".
   */
  readonly shareTags?: readonly string[];
}

/** Owner signature over the manifest (docs/formats.md, "Manifest signature"). */
export interface ManifestSignature {
  readonly alg: 'Ed25519';
  /** Raw 32-byte Ed25519 public key, hex. */
  readonly publicKey: string;
  /** 64-byte signature, hex. */
  readonly value: string;
}

/** The manifest: everything needed to check and reassemble a model, and no share data. */
export interface ModelManifest {
  readonly format: 'xorida-modelguard-manifest';
  /**
   * 2 (per-share digests, ideal mode; what ideal mode writes) or 3 (records `mode`; what compact
   * mode wrote) or 4 (`tagListHash`, no share digests in compact mode) or 5 (as 4, and keyed
   * share tags instead of share digests in ideal mode; what both modes write). Version 1
   * manifests are refused.
   */
  readonly version: 2 | 3 | 4 | 5;
  /** Random 16-byte model id, hex; bound into every chunk tag and node blob name. */
  readonly id: string;
  /** ISO 8601 creation time. */
  readonly createdAt: string;
  readonly metadata: ModelMetadata;
  readonly config: Required<Omit<ModelGuardConfig, 'mode'>>;
  /** Versions 3 and 4: how the chunks are stored. Absent in version 2 (ideal). */
  readonly mode?: 'ideal' | 'compact';
  /** Versions 3 to 5, compact mode only: the content key split. */
  readonly contentKey?: ManifestContentKey;
  /**
   * Version 5, ideal mode only: the 32-byte share tag key (64 hex chars) of the chunks'
   * `shareTags` (docs/formats.md "Manifest version 5"). Not a secret from the restorer, but
   * keep the manifest from the storage nodes: a node that knows it can forge share tags.
   */
  readonly shareTagKey?: string;
  /** Model length in bytes. */
  readonly modelSize: number;
  /** Versions 2 and 3: SHA-256 of the whole model, hex. */
  readonly modelHash?: string;
  /** Versions 4 and 5: the tag list hash (hex), docs/formats.md "Manifest version 4". */
  readonly tagListHash?: string;
  readonly totalChunks: number;
  readonly chunks: readonly ManifestChunk[];
  readonly signature?: ManifestSignature;
}

/** One node's share of one chunk (in-memory API). */
export interface ModelWeightShare {
  /** Node index 0..total-1. */
  readonly index: number;
  /** n. */
  readonly total: number;
  /** k. */
  readonly threshold: number;
  /** The manifest id. */
  readonly modelId: string;
  /** `${modelId}:${chunkIndex}`. */
  readonly chunkId: string;
  readonly chunkIndex: number;
  readonly totalChunks: number;
  /**
   * The xorida share in the IDA5 binary encoding, product type 0x0010: a threshold share of the
   * chunk (ideal mode) or a dispersal share (version 2 header, L = k) of the sealed chunk
   * (compact mode).
   */
  readonly data: Uint8Array;
  /** Chunk length in bytes (the plaintext chunk, in both modes). */
  readonly originalSize: number;
}

/** Output of `guardModel`: `shares[chunkIndex][nodeIndex]`. */
export interface ModelGuardResult {
  readonly manifest: ModelManifest;
  readonly shares: ModelWeightShare[][];
  /**
   * Compact mode only: `keyShares[node]`, node's encoded content key share (IDA5, product type
   * 0x0011). Store it with that node's chunk shares and pass it to `reconstructModel`.
   */
  readonly keyShares?: Uint8Array[];
}

/** A share given to `reconstructModel` that was not used although it claimed a slot. */
export interface RejectedShareClaim {
  /** Position of the share's array in `sharesFromNodes`. */
  readonly source: number;
  readonly chunkIndex: number;
  /** The node index the share claimed. */
  readonly index: number;
  /**
   * `DIGEST_MISMATCH`: it failed its share digest while another claim of the same slot
   * matched; `WRONG_INDEX`: with `grouping: 'node'`, it claimed another node's index.
   */
  readonly reason: 'DIGEST_MISMATCH' | 'WRONG_INDEX';
}

/** Output of `reconstructModel`. */
export interface ReconstructedModel {
  readonly weights: Uint8Array;
  /**
   * Node indices for which no supplied share of some chunk matched its digest (routed
   * around), ascending.
   */
  readonly badNodes: number[];
  /** Conflicting or misplaced claims that were not used (see `RejectedShareClaim`). */
  readonly rejectedClaims: RejectedShareClaim[];
}
