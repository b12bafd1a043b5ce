/**
 * Recovering one chunk from the shares that nodes returned, checking it against its tag, and
 * routing around bad nodes by trying other k-subsets (xorida-scheme.md 6.2: with more than k
 * shares, callers may cross-check subsets).
 *
 * Pitfalls:
 * - With exactly k shares and a failing tag, no one can tell which share is bad; we report
 *   HMAC_FAILED and only the nodes whose share is structurally wrong.
 * - The IDA5 header (group id, index) is not authenticated. We use it to explain failures
 *   (misplaced chunk, foreign model) and to skip hopeless shares early, but only the chunk tag
 *   decides that a chunk is right.
 * - The number of subsets is capped (`maxSubsets`): C(n, k) explodes for large n.
 *
 * @module
 */
import { bytesToHex, equalBytes, ok, type Result, reconstructInto, type Share } from 'xorida';
import { type ModelGuardError, mgErr } from '../errors.js';
import { chunkTagPrefix } from './chunk-tag.js';
import { PRODUCT_TYPE_MODELGUARD } from './limits.js';
import type { Sha256 } from './sha256.js';
import { viewShare } from './share-view.js';

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
  /** Whether a hex group id belongs to some chunk of this manifest (to explain a mismatch). */
  readonly knownGroup?: (groupIdHex: string) => boolean;
}

/** Options of `recoverChunk`. */
export interface RecoverOptions {
  /** Check every supplied node, not only until the chunk is recovered (the `verify` command). */
  readonly classifyAll?: boolean;
  /** Largest number of k-subsets tried; default 4096. */
  readonly maxSubsets?: number;
  /** Buffer to recover into when it has exactly the chunk length (returned as `bytes`). */
  readonly out?: Uint8Array;
  /** Scratch of exactly the chunk length for the per-node tests; wiped after use. */
  readonly scratch?: Uint8Array;
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

/** A recovered chunk and what was learnt about the nodes. */
export interface ChunkRecovery {
  /** The chunk bytes (`length` bytes). */
  readonly bytes: Uint8Array;
  /** Nodes whose share failed a check, ascending. */
  readonly badNodes: number[];
  /** Nodes whose share was part of a passing reconstruction, ascending. */
  readonly goodNodes: number[];
}

type Reason = 'MALFORMED_SHARE' | 'CHUNK_MISPLACED' | 'FOREIGN_SHARE' | 'TAG_MISMATCH';

function* combinations(m: number, k: number): Generator<number[]> {
  const idx = Array.from({ length: k }, (_, i) => i);
  while (true) {
    yield idx.slice();
    let i = k - 1;
    while (i >= 0 && idx[i] === m - k + i) i--;
    if (i < 0) return;
    idx[i]!++;
    for (let j = i + 1; j < k; j++) idx[j] = idx[j - 1]! + 1;
  }
}

/**
 * Recovers chunk `job.index` from the encoded shares nodes returned.
 * @param job the chunk's manifest entry and parameters
 * @param candidates `candidates[node]` = that node's IDA5-encoded share, or undefined when the
 *   node was not asked or returned nothing; length n
 * @param sha256 hash backend
 * @param options `{ classifyAll, maxSubsets }`
 * @returns the chunk and per-node verdicts, or `INSUFFICIENT_SHARES` (fewer than k supplied),
 *   `INTEGRITY_FAILED` (`CHUNK_MISPLACED`, `FOREIGN_SHARE`: too many shares belong to another
 *   chunk or model), `HMAC_FAILED` (`TAG_MISMATCH`, `MALFORMED_SHARE`: no k shares pass)
 */
export async function recoverChunk(
  job: ChunkJob,
  candidates: readonly (Uint8Array | undefined)[],
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
  candidates: readonly (Uint8Array | undefined)[],
  sha256: Sha256,
  options: RecoverOptions,
  borrowed: Uint8Array[],
): Promise<Result<ChunkRecovery, ModelGuardError>> {
  const { k, n, length } = job;
  const bad = new Map<number, Reason>();
  const valid: { node: number; share: Share }[] = [];
  let supplied = 0;
  for (let node = 0; node < n; node++) {
    const data = candidates[node];
    if (data === undefined) continue;
    supplied++;
    // Zero-copy read with decodeShare's checks (see share-view.ts): restore is memory-bound.
    const d = viewShare(data);
    if (
      !d ||
      d.productType !== PRODUCT_TYPE_MODELGUARD ||
      d.k !== k ||
      d.n !== n ||
      d.index !== node ||
      d.originalLength !== length
    ) {
      bad.set(node, 'MALFORMED_SHARE');
      continue;
    }
    const g = bytesToHex(d.groupId);
    if (g !== job.groupId) {
      bad.set(node, job.knownGroup?.(g) ? 'CHUNK_MISPLACED' : 'FOREIGN_SHARE');
      continue;
    }
    if (options.aligned && (d.payload.byteOffset & 7) !== 0) {
      const copy = options.aligned.take(d.payload.length);
      copy.set(d.payload);
      borrowed.push(copy);
      valid.push({ node, share: { ...d, payload: copy } });
    } else valid.push({ node, share: d });
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
  const prefix = chunkTagPrefix(job.modelId, job.index, job.offset, length);
  const passes = async (subset: readonly number[], out: Uint8Array): Promise<boolean> => {
    const r = reconstructInto(
      subset.map((i) => valid[i]!.share),
      out,
    );
    if (!r.ok) return false;
    return equalBytes(await sha256([prefix, out.subarray(0, length)]), job.tag);
  };
  const out = options.out?.length === length ? options.out : new Uint8Array(length);
  const max = options.maxSubsets ?? 4096;
  let good: number[] | undefined;
  let tries = 0;
  if (valid.length >= k) {
    for (const subset of combinations(valid.length, k)) {
      if (tries++ >= max) break;
      if (await passes(subset, out)) {
        good = subset;
        break;
      }
    }
  }
  const sortedBad = () => [...bad.keys()].sort((a, b) => a - b);
  if (!good) {
    out.fill(0);
    const reasons = new Set(bad.values());
    if (valid.length < k && (reasons.has('CHUNK_MISPLACED') || reasons.has('FOREIGN_SHARE'))) {
      const sub = reasons.has('CHUNK_MISPLACED') ? 'CHUNK_MISPLACED' : 'FOREIGN_SHARE';
      return mgErr(
        'INTEGRITY_FAILED',
        `chunk ${job.index}: shares from node(s) ${sortedBad().join(', ')} belong to ${sub === 'CHUNK_MISPLACED' ? 'another chunk of this model (reordered)' : 'another model or split'}`,
        'The node data was reordered or swapped; restore it from a good copy or use other nodes.',
        { ...where, subCode: sub, badNodes: sortedBad() },
      );
    }
    const ambiguous = valid.length === k && bad.size === 0;
    return mgErr(
      'HMAC_FAILED',
      ambiguous
        ? `chunk ${job.index}: the shares of nodes ${valid.map((v) => v.node).join(', ')} do not reconstruct the tagged chunk; with exactly k shares the bad node cannot be identified`
        : `chunk ${job.index}: no ${k} supplied shares reconstruct the tagged chunk`,
      'Supply shares from more nodes so the bad one can be routed around.',
      {
        ...where,
        subCode: valid.length < k ? 'MALFORMED_SHARE' : 'TAG_MISMATCH',
        badNodes: sortedBad(),
      },
    );
  }
  const goodNodes = new Set(good.map((i) => valid[i]!.node));
  if (options.classifyAll || tries > 1) {
    // Test every other share against k-1 known-good ones: a bad share breaks that subset.
    const scratch = options.scratch?.length === length ? options.scratch : new Uint8Array(length);
    const base = good.slice(0, k - 1);
    for (let i = 0; i < valid.length; i++) {
      if (good.includes(i)) continue;
      const subset = [...base, i].sort((a, b) => a - b);
      if (await passes(subset, scratch)) goodNodes.add(valid[i]!.node);
      else bad.set(valid[i]!.node, 'TAG_MISMATCH');
    }
    scratch.fill(0);
  }
  return ok({
    bytes: out,
    badNodes: sortedBad(),
    goodNodes: [...goodNodes].sort((a, b) => a - b),
  });
}
