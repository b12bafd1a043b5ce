/**
 * Recovering one chunk from the shares that nodes returned. Every share is first checked
 * against its own digest in the manifest (share-digest.ts), or in version 4 compact mode its
 * GMAC share tag (share-tag.ts), or in version 5 ideal mode its keyed share tag
 * (ideal-share-tag.ts), so each share is judged on its own;
 * k shares that pass are then reconstructed and the chunk checked against its tag.
 *
 * Pitfalls:
 * - Good or bad is decided per share by its digest, never by which k-subset happens to
 *   reconstruct: xorida is linear, so k-1 colluding nodes can make one subset pass while every
 *   subset containing an honest node fails (the blame attack of manifest version 1).
 * - A node index may be claimed by several sources (a hostile node can hold blobs or shares
 *   named for other indices). Every claim is kept; the first claim that matches the digest is
 *   used and the others are reported as rejected claims, so a forged claim cannot shadow a
 *   genuine one.
 * - The IDA5 header (group id, index) is not authenticated by itself (the digest covers it). We
 *   read it only to explain a failing share (misplaced chunk, foreign model).
 * - If k shares pass their digests but the chunk fails its tag, the manifest is inconsistent
 *   (edited): HMAC_FAILED is returned and no node is blamed.
 *
 * @module
 */
import { equalBytes, ok, type Result, reconstructInto, recoverInto, type Share } from 'xorida';
import { type ModelGuardError, mgErr } from '../errors.js';
import { chunkTagPrefix } from './chunk-tag.js';
import { openChunkInPlace, sealedLength } from './compact.js';
import { idealShareTag } from './ideal-share-tag.js';
import { shareDigestPrefix } from './share-digest.js';
import { explainShare, type Reason } from './share-reason.js';
import { shareTag } from './share-tag.js';
import { viewShare } from './share-view.js';

/**
 * SHA-256 of the concatenation of `parts`: 32 bytes. Sync or async, so a caller can pass the
 * crypto backend's `sha256Parts` or a worker-side digest.
 */
export type Sha256 = (parts: readonly Uint8Array[]) => Uint8Array | Promise<Uint8Array>;

/** What the recovery of one chunk needs to know from the manifest. */
export interface ChunkJob {
  readonly modelId: Uint8Array;
  readonly k: number;
  readonly n: number;
  readonly index: number;
  readonly offset: number;
  readonly length: number;
  /** Hex group id of this chunk. */
  readonly groupId: string;
  /** 32-byte tag. */
  readonly tag: Uint8Array;
  /**
   * `shareDigests[node]`: the 32-byte digest of node's share of this chunk (n entries).
   * Absent for a version 4 compact-mode chunk, which has `shareTags` instead.
   */
  readonly shareDigests?: readonly Uint8Array[];
  /**
   * Version 4 compact mode: `shareTags[node]`, the 16-byte GMAC share tag (share-tag.ts) under
   * `key`; checked instead of `shareDigests`.
   */
  readonly shareTags?: readonly Uint8Array[];
  /**
   * Version 5 ideal mode: the 32-byte share tag key; `shareTags` are then checked as keyed
   * share tags (ideal-share-tag.ts).
   */
  readonly tagKey?: Uint8Array;
  /** Whether a hex group id belongs to some chunk of this manifest (to explain a mismatch). */
  readonly knownGroup?: (groupIdHex: string) => boolean;
  /**
   * Compact mode: the 32-byte content key. The shares are then dispersal shares (L = k) of the
   * sealed chunk (`length + 16` bytes), opened with AES-256-GCM before the tag check.
   */
  readonly key?: Uint8Array;
}

/** Options of `recoverChunk`. */
export interface RecoverOptions {
  /**
   * Check every supplied share (and every claim of a node index), not only until k good shares
   * are found (restore with cross-check, `verify`).
   */
  readonly classifyAll?: boolean;
  /** Buffer to recover into when it has exactly the chunk length (returned as `bytes`). */
  readonly out?: Uint8Array;
  /**
   * Source of 8-byte-aligned buffers: a payload that is not 8-byte aligned (an IDA5 payload
   * starts at byte 34) is copied into one, because xorida's aligned XOR path is about three
   * times faster. Buffers are given back (wiped) before `recoverChunk` returns.
   */
  readonly aligned?: AlignedBuffers;
}

/** A checkout/checkin pool of byte buffers. */
export interface AlignedBuffers {
  /** A buffer of exactly `length` bytes at an 8-byte-aligned offset. */
  take(length: number): Uint8Array;
  /** Returns a buffer taken earlier. */
  give(buffer: Uint8Array): void;
}

/** A pool that keeps up to `max` buffers for reuse. */
export function alignedPool(max = 8): AlignedBuffers {
  const free: Uint8Array[] = [];
  return {
    take(length) {
      const i = free.findIndex((b) => b.length === length);
      return i >= 0 ? free.splice(i, 1)[0]! : new Uint8Array(length);
    },
    give(buffer) {
      buffer.fill(0);
      if (free.length < max) free.push(buffer);
    },
  };
}

/** A claim (position in a node's claim list) whose share failed its digest. */
export interface RejectedClaim {
  /** The node index the share claimed. */
  readonly node: number;
  /** Position of the claim in `candidates[node]` (0 when a single share was passed). */
  readonly claim: number;
}

/** A recovered chunk and what was learnt about the nodes. */
export interface ChunkRecovery {
  /** The chunk bytes (`length` bytes). */
  readonly bytes: Uint8Array;
  /** Nodes for which no supplied claim matched its share digest, ascending. */
  readonly badNodes: number[];
  /** Nodes for which a claim matched its share digest, ascending. */
  readonly goodNodes: number[];
  /**
   * Claims that failed their digest although another claim of the same node index matched
   * (conflicting claims: someone holds data named for a node index it does not own).
   */
  readonly rejectedClaims: RejectedClaim[];
  /** `acceptedClaim[node]`: position of the claim used for that node, or -1. */
  readonly acceptedClaim: number[];
}

/** One node's share of a chunk, or several claims of it, or nothing. */
export type Candidate = Uint8Array | readonly Uint8Array[] | undefined;

/**
 * Compact mode: recovers the sealed chunk from k dispersal shares and opens it into `out`.
 * @returns false when recovery fails or the GCM tag does not verify (shares that match their
 *   digests but do not open mean an inconsistent manifest or a wrong content key)
 */
async function openInto(
  job: ChunkJob,
  shares: readonly Share[],
  out: Uint8Array,
  aligned: AlignedBuffers | undefined,
): Promise<boolean> {
  const size = sealedLength(job.length);
  if (out.byteOffset + size <= out.buffer.byteLength) {
    // `out` has the tag's 16 bytes of room after it: recover and open in place there, so the
    // plaintext lands in `out` without a second buffer, a copy and a wipe (a tenth of a compact
    // restore's worker time). The tag left past `out` is not secret.
    const sealed = new Uint8Array(out.buffer, out.byteOffset, size);
    const r = recoverInto(shares, sealed);
    const plain = r.ok
      ? await openChunkInPlace(job.key!, job.modelId, job.index, job.offset, sealed)
      : null;
    if (plain && plain.length === job.length) {
      // A backend that opened into a buffer of its own: copy (the node backend does not).
      if (plain.buffer !== out.buffer || plain.byteOffset !== out.byteOffset) {
        out.set(plain);
        plain.fill(0);
      }
      return true;
    }
    sealed.fill(0);
    return false;
  }
  // A recycled buffer, opened in place: fresh 4 MiB buffers cost a zero fill and page faults.
  const sealed = aligned?.take(size) ?? new Uint8Array(size);
  try {
    const r = recoverInto(shares, sealed);
    const plain = r.ok
      ? await openChunkInPlace(job.key!, job.modelId, job.index, job.offset, sealed)
      : null;
    if (!plain || plain.length !== job.length) return false;
    out.set(plain);
    if (plain.buffer !== sealed.buffer) plain.fill(0);
    return true;
  } finally {
    if (aligned)
      aligned.give(sealed); // wipes it
    else sealed.fill(0);
  }
}

/**
 * Recovers chunk `job.index` from the encoded shares nodes returned.
 * @param job the chunk's manifest entry (tag, share digests) and parameters
 * @param candidates `candidates[node]`: that node's IDA5-encoded share, or an array of claims
 *   of it (several sources offering data for that node index), or undefined when nothing was
 *   supplied; length n
 * @param sha256 hash backend
 * @param options `{ classifyAll, out, aligned }`
 * @returns the chunk and per-node verdicts, or `INSUFFICIENT_SHARES` (fewer than k nodes
 *   supplied anything), `INTEGRITY_FAILED` (`CHUNK_MISPLACED`, `FOREIGN_SHARE`: too many
 *   shares belong to another chunk or model), `HMAC_FAILED` (`TAG_MISMATCH`, `MALFORMED_SHARE`:
 *   fewer than k shares match their digests, or the manifest is inconsistent)
 */
export async function recoverChunk(
  job: ChunkJob,
  candidates: readonly Candidate[],
  sha256: Sha256,
  options: RecoverOptions = {},
): Promise<Result<ChunkRecovery, ModelGuardError>> {
  const borrowed: Uint8Array[] = [];
  try {
    return await recoverChunkBody(job, candidates, sha256, options, borrowed);
  } finally {
    for (const b of borrowed) options.aligned?.give(b);
  }
}

async function recoverChunkBody(
  job: ChunkJob,
  candidates: readonly Candidate[],
  sha256: Sha256,
  options: RecoverOptions,
  borrowed: Uint8Array[],
): Promise<Result<ChunkRecovery, ModelGuardError>> {
  const { k, n, length } = job;
  const bad = new Map<number, Reason>();
  const valid: { node: number; share: Share }[] = [];
  const rejected: RejectedClaim[] = [];
  const acceptedClaim = new Array<number>(n).fill(-1);
  let supplied = 0;
  for (let node = 0; node < n; node++) {
    const c = candidates[node];
    const claims: readonly Uint8Array[] =
      c === undefined ? [] : c instanceof Uint8Array ? [c] : Array.isArray(c) ? c : [];
    if (claims.length === 0) continue;
    supplied++;
    if (!options.classifyAll && valid.length >= k) continue; // enough: leave unclassified
    const tags = job.shareTags !== undefined && (job.key !== undefined || job.tagKey !== undefined);
    const want = tags ? job.shareTags![node] : job.shareDigests?.[node];
    const prefix = tags ? undefined : shareDigestPrefix(job.modelId, job.index, node);
    const tagOf = (data: Uint8Array) =>
      job.tagKey
        ? idealShareTag(job.tagKey, job.index, node, data)
        : shareTag(job.key!, job.index, node, data);
    const failed: { claim: number; reason: Reason }[] = [];
    for (let j = 0; j < claims.length; j++) {
      const data = claims[j]!;
      if (!(data instanceof Uint8Array)) {
        failed.push({ claim: j, reason: 'MALFORMED_SHARE' });
        continue;
      }
      const matches =
        want !== undefined && equalBytes(prefix ? await sha256([prefix, data]) : tagOf(data), want);
      const d = matches ? viewShare(data) : undefined;
      if (!d) {
        // A digest match with a malformed share means an inconsistent manifest: treat as bad.
        failed.push({
          claim: j,
          reason: matches ? 'MALFORMED_SHARE' : explainShare(job, node, data),
        });
        continue;
      }
      if (acceptedClaim[node]! < 0) {
        acceptedClaim[node] = j;
        if (options.aligned && (d.payload.byteOffset & 7) !== 0) {
          const copy = options.aligned.take(d.payload.length);
          copy.set(d.payload);
          borrowed.push(copy);
          valid.push({ node, share: { ...d, payload: copy } });
        } else valid.push({ node, share: d });
      }
      if (!options.classifyAll) break;
    }
    if (acceptedClaim[node]! >= 0) for (const f of failed) rejected.push({ node, claim: f.claim });
    else bad.set(node, failed[0]?.reason ?? 'MALFORMED_SHARE');
  }
  const where = { chunkIndex: job.index };
  if (supplied < k) {
    return mgErr(
      'INSUFFICIENT_SHARES',
      `chunk ${job.index}: ${supplied} node(s) returned a share, ${k} are needed`,
      `Supply shares from at least ${k} distinct nodes.`,
      where,
    );
  }
  const sortedBad = () => [...bad.keys()].sort((a, b) => a - b);
  if (valid.length < k) {
    const reasons = new Set(bad.values());
    if (reasons.has('CHUNK_MISPLACED') || reasons.has('FOREIGN_SHARE')) {
      const sub = reasons.has('CHUNK_MISPLACED') ? 'CHUNK_MISPLACED' : 'FOREIGN_SHARE';
      return mgErr(
        'INTEGRITY_FAILED',
        `chunk ${job.index}: shares from node(s) ${sortedBad().join(', ')} fail their digests; ${sub === 'CHUNK_MISPLACED' ? 'some belong to another chunk of this model (reordered)' : 'some belong to another model or split'}`,
        'The node data was reordered or swapped; restore it from a good copy or use other nodes.',
        { ...where, subCode: sub, badNodes: sortedBad() },
      );
    }
    const malformedOnly = [...reasons].every((r) => r === 'MALFORMED_SHARE');
    return mgErr(
      'HMAC_FAILED',
      `chunk ${job.index}: ${valid.length} share(s) match their manifest digests, ${k} are needed; node(s) ${sortedBad().join(', ')} returned bad data`,
      'Supply shares from more nodes so the bad ones can be routed around.',
      {
        ...where,
        subCode: malformedOnly ? 'MALFORMED_SHARE' : 'TAG_MISMATCH',
        badNodes: sortedBad(),
      },
    );
  }
  // Compact mode: 16 bytes of room after the chunk, so openInto can open it in place there.
  const out =
    options.out?.length === length
      ? options.out
      : job.key
        ? new Uint8Array(new ArrayBuffer(sealedLength(length)), 0, length)
        : new Uint8Array(length);
  const chosen = valid.slice(0, k).map((v) => v.share);
  const r = job.key
    ? await openInto(job, chosen, out, options.aligned)
    : reconstructInto(chosen, out).ok;
  const tagOk =
    r &&
    equalBytes(
      await sha256([
        chunkTagPrefix(job.modelId, job.index, job.offset, length),
        out.subarray(0, length),
      ]),
      job.tag,
    );
  if (!tagOk) {
    out.fill(0);
    return mgErr(
      'HMAC_FAILED',
      `chunk ${job.index}: the shares match their manifest digests but the chunk does not match its tag; the manifest is inconsistent`,
      'The manifest was modified; check its signature or fetch it again from the owner.',
      { ...where, subCode: 'TAG_MISMATCH', badNodes: sortedBad() },
    );
  }
  return ok({
    bytes: out,
    badNodes: sortedBad(),
    goodNodes: valid.map((v) => v.node).sort((a, b) => a - b),
    rejectedClaims: rejected,
    acceptedClaim,
  });
}
