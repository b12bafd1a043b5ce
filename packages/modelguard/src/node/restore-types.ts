/**
 * Options and reports of `reconstructFile` (reconstruct-file.ts) and `verifyFile`
 * (verify-file.ts).
 *
 * @module
 */
import type { OnProgress } from './progress.js';

/** Options of `reconstructFile` and `verifyFile`. */
export interface RestoreOptions {
  /** Raw 32-byte Ed25519 key the manifest must be signed with. */
  readonly trustedPublicKey?: Uint8Array;
  /** Worker threads, an integer 0..16; 0 runs inline. Default: cores, 1..4. */
  readonly workers?: number;
  readonly onProgress?: OnProgress;
  /**
   * `reconstructFile` only: when more than k nodes are given, read and check every node's
   * share of every chunk so that bad nodes are named even when they were not needed (default
   * true). False reads only k nodes per chunk and falls back to the others on a failure.
   */
  readonly crossCheck?: boolean;
  /**
   * `reconstructFile` only: fsync the output before renaming it into place, and its directory
   * after (default true).
   */
  readonly fsync?: boolean;
}

/**
 * A blob claiming a node index that was not used: its header disagrees with the manifest, or
 * its shares failed their digests, while another claim of the same index was available.
 */
export interface RejectedClaim {
  /** The node index the blob claims (from its name). */
  readonly index: number;
  /** `id` of the StorageNode holding the blob. */
  readonly nodeId: string;
  /** Position of that StorageNode in the `nodes` argument. */
  readonly source: number;
  /** `HEADER_MISMATCH`: the blob header disagrees with the manifest; `DIGEST_MISMATCH`: shares failed. */
  readonly reason: 'HEADER_MISMATCH' | 'DIGEST_MISMATCH';
  /** How many chunks' shares from this blob failed their digests (0 for HEADER_MISMATCH). */
  readonly badChunks: number;
}

/** Output of `reconstructFile`. */
export interface RestoreReport {
  /** Bytes written. */
  readonly bytes: number;
  /** Node indices for which no supplied blob gave a good share of some chunk, ascending. */
  readonly badNodes: number[];
  /** Conflicting claims: blobs of an index that other storage nodes hold correctly. */
  readonly rejectedClaims: RejectedClaim[];
}

/** Per-node outcome of `verifyFile`. */
export interface NodeVerdict {
  readonly index: number;
  /**
   * The id of the StorageNode whose blob for this index was used (of the claims that passed,
   * the one with the fewest failed chunks; else the first claim), or undefined when no
   * supplied node holds this index's blob.
   */
  readonly id: string | undefined;
  /** ok: every chunk share passed; bad: at least one failed; missing: not supplied. */
  readonly state: 'ok' | 'bad' | 'missing';
  /** Chunks whose share from this node failed. */
  readonly badChunks: number[];
}

/** Output of `verifyFile`. */
export interface VerifyReport {
  /** True when every chunk was recovered and the whole-model hash matched. */
  readonly recoverable: boolean;
  readonly nodes: NodeVerdict[];
  readonly badNodes: number[];
  /** Chunks that could not be recovered (fewer than k shares matched their digests), with the reason. */
  readonly failedChunks: { chunkIndex: number; code: string; subCode?: string }[];
  readonly modelHashOk: boolean;
  /** Conflicting claims (see `RestoreReport.rejectedClaims`). */
  readonly rejectedClaims: RejectedClaim[];
}
