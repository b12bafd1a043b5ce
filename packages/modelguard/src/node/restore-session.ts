/**
 * Restore steps 3 and 4, fetch and recover: the state one restore or verify run shares across
 * chunks (usable node indices, bad nodes and claims), reading each chunk's shares from the
 * claims, recovering the chunk on the worker pool (each share checked against its digest, the
 * chunk against its tag), and learning which claims and nodes were bad.
 *
 * @module
 */
import { hexToBytes } from 'xorida';
import { DOCS_PAGE } from '../errors.js';
import { type BlobShape, blobOffsets, chunkShareLength } from '../lib/chunk-plan.js';
import { blobShape } from '../lib/manifest-mode.js';
import type { Candidate } from '../lib/recover-chunk.js';
import { nodeBlobName } from '../storage-node.js';
import type { ModelManifest } from '../types.js';
import { type ChunkPool, defaultWorkers, inFlightChunks } from './chunk-pool.js';
import type { RecoverOutput, RecoverTask } from './chunk-work.js';
import { type Claim, claimId, type OpenedNodes } from './open-nodes.js';
import { RestoreBuffers } from './restore-buffers.js';
import type { RejectedClaim } from './restore-types.js';

/** The state one restore or verify run shares across chunks. */
export class Session {
  readonly n: number;
  readonly k: number;
  readonly modelId: Uint8Array;
  readonly offsets: number[];
  readonly shape: BlobShape;
  readonly bad = new Map<number, Set<number>>();
  /** Node indices with at least one blob whose header matches, lowest index first. */
  readonly usable: number[];
  /** `live[index]`: the claims whose header matches the manifest. */
  readonly live: Claim[][];
  /** Version 5 ideal mode: the share tag key from the manifest. */
  readonly tagKey: Uint8Array | undefined;

  constructor(
    readonly manifest: ModelManifest,
    readonly opened: OpenedNodes,
    readonly pool: ChunkPool,
    /** Compact mode: the recovered 32-byte content key (handed to every recover task). */
    readonly key?: Uint8Array,
  ) {
    this.n = manifest.config.storageNodes;
    this.k = manifest.config.threshold;
    this.modelId = hexToBytes(manifest.id);
    this.tagKey = manifest.shareTagKey ? hexToBytes(manifest.shareTagKey) : undefined;
    this.shape = blobShape(manifest);
    this.buffers = new RestoreBuffers(pool, this.shape.mode);
    this.offsets = blobOffsets(
      manifest.chunks.map((c) => c.length),
      this.shape,
    );
    this.live = opened.claims.map((list) => list.filter((c) => c.headerOk));
    this.usable = [];
    for (let i = 0; i < this.n; i++) {
      if (this.live[i]!.length > 0) this.usable.push(i);
      else if (opened.claims[i]!.length > 0) this.markBad(i, -1); // only bad headers
    }
  }

  markBad(node: number, chunk: number): void {
    let s = this.bad.get(node);
    if (!s) {
      s = new Set();
      this.bad.set(node, s);
    }
    if (chunk >= 0) s.add(chunk);
  }

  /** Nodes to ask first: usable ones not yet seen bad, then the rest. */
  preferred(): number[] {
    const good = this.usable.filter((i) => !this.bad.has(i));
    const rest = this.usable.filter((i) => this.bad.has(i));
    return [...good, ...rest];
  }

  /**
   * Reads chunk `c`'s share from every live claim of each node index in `nodesToAsk`.
   * @returns `cand[index]`: one share, or an array of claims' shares when several storage nodes
   *   claim the index; `ids[index][j]`: the claim that `cand[index][j]` came from
   */
  async fetch(
    c: number,
    nodesToAsk: readonly number[],
  ): Promise<{ cand: Candidate[]; ids: Claim[][] }> {
    const chunk = this.manifest.chunks[c]!;
    const cand: Candidate[] = new Array(this.n).fill(undefined);
    const ids: Claim[][] = Array.from({ length: this.n }, () => []);
    const range = { offset: this.offsets[c]!, length: chunkShareLength(chunk.length, this.shape) };
    await Promise.all(
      nodesToAsk.map(async (i) => {
        const got = await Promise.all(
          this.live[i]!.map(async (claim) => {
            const into = this.buffers.takeShare(range.length);
            try {
              let b = await claim.node.get(nodeBlobName(this.manifest.id, i), range, into);
              if (b === into) return b; // our own buffer, payload 8-byte aligned
              this.buffers.giveShare(into);
              // Buffers are transferred to a worker: give each its own plain ArrayBuffer (a
              // pooled, shared or SharedArrayBuffer-backed one would be detached or refused).
              if (
                b instanceof Uint8Array &&
                (b.byteOffset !== 0 ||
                  b.byteLength !== b.buffer.byteLength ||
                  !(b.buffer instanceof ArrayBuffer))
              )
                b = new Uint8Array(b);
              return b instanceof Uint8Array && b.length === range.length ? b : undefined;
            } catch {
              this.buffers.giveShare(into);
              return undefined; // unreadable or truncated blob: bad data from this claim
            }
          }),
        );
        const shares: Uint8Array[] = [];
        got.forEach((b, j) => {
          const claim = this.live[i]![j]!;
          if (b) {
            shares.push(b);
            ids[i]!.push(claim);
          } else claim.badChunks.add(c);
        });
        if (shares.length === 0) this.markBad(i, c);
        else cand[i] = shares.length === 1 ? shares[0] : shares;
      }),
    );
    return { cand, ids };
  }

  /** Records what a recovery learnt about claims and node indices. */
  learn(c: number, ids: Claim[][], r: RecoverOutput): void {
    if (r.ok) {
      for (const b of r.value.badNodes) this.markBad(b, c);
      for (const x of r.value.rejectedClaims) ids[x.node]?.[x.claim]?.badChunks.add(c);
      r.value.acceptedClaim.forEach((j, i) => {
        const claim = j >= 0 ? ids[i]?.[j] : undefined;
        if (claim) claim.matched = true;
      });
    } else for (const b of r.error.badNodes ?? []) this.markBad(b, c);
  }

  /** Claims not used although another claim of their index exists (conflicts). */
  rejectedClaims(): RejectedClaim[] {
    const out: RejectedClaim[] = [];
    for (const list of this.opened.claims) {
      if (list.length < 2) continue;
      for (const claim of list) {
        if (!claim.headerOk)
          out.push({ ...claimId(claim), reason: 'HEADER_MISMATCH', badChunks: 0 });
        else if (claim.badChunks.size > 0)
          out.push({
            ...claimId(claim),
            reason: 'DIGEST_MISMATCH',
            badChunks: claim.badChunks.size,
          });
      }
    }
    return out;
  }

  /**
   * The StorageNode id shown for node index `i`: the claim that matched with the fewest failed
   * chunks, else the first live claim, else the first claim.
   */
  nodeIdOf(i: number): string | undefined {
    const list = this.opened.claims[i]!;
    let best: Claim | undefined;
    for (const c of this.live[i]!)
      if (c.matched && (!best || c.badChunks.size < best.badChunks.size)) best = c;
    return (best ?? this.live[i]![0] ?? list[0])?.node.id;
  }

  /** Output buffers handed back after writing, reused for later chunks of the same size. */
  readonly freeOut: Uint8Array[] = [];
  /** Share read and chunk output buffers, recycled and shared with the workers. */
  private readonly buffers: RestoreBuffers;

  recover(c: number, candidates: Candidate[], classifyAll: boolean): Promise<RecoverOutput> {
    const chunk = this.manifest.chunks[c]!;
    const task: RecoverTask = {
      kind: 'recover',
      modelId: this.modelId,
      k: this.k,
      n: this.n,
      index: c,
      offset: chunk.offset,
      length: chunk.length,
      groupId: chunk.groupId,
      tag: hexToBytes(chunk.tag),
      ...(chunk.shareDigests ? { shareDigests: chunk.shareDigests.map(hexToBytes) } : {}),
      ...(chunk.shareTags ? { shareTags: chunk.shareTags.map(hexToBytes) } : {}),
      candidates,
      classifyAll,
      ...(this.key ? { key: this.key } : {}),
      ...(this.tagKey ? { tagKey: this.tagKey } : {}),
    };
    const out = this.buffers.takeOut(this.freeOut, chunk.length);
    const outShared = out ? this.buffers.viewOf(out) : undefined;
    const w = this.buffers.wire(candidates);
    const run = outShared
      ? this.pool.run<RecoverOutput>({ ...task, candidates: w.candidates, outShared }, w.transfer)
      : out
        ? this.pool.run<RecoverOutput>({ ...task, candidates: w.candidates, out }, [
            ...w.transfer,
            out.buffer as ArrayBuffer,
          ])
        : this.pool.run<RecoverOutput>({ ...task, candidates: w.candidates }, w.transfer);
    return run.then(
      (r) => {
        this.buffers.settle(w, r.spent);
        // A shared output comes back empty: the bytes are in our view of it.
        if (outShared && r.ok && r.value.bytes.length === 0 && out)
          return { ...r, value: { ...r.value, bytes: out } };
        if (outShared && out && !r.ok) this.freeOut.push(out);
        return r;
      },
      (e) => {
        this.buffers.settle(w, undefined);
        throw e;
      },
    );
  }

  /**
   * `recover` that never rejects: a pool failure (worker crash, task that could not be posted)
   * becomes a `RECONSTRUCT_FAILED` result, so no promise of a window is left unhandled.
   */
  async safely(c: number, work: () => Promise<RecoverOutput>): Promise<RecoverOutput> {
    try {
      return await work();
    } catch (e) {
      return {
        ok: false,
        error: {
          code: 'RECONSTRUCT_FAILED',
          message: `chunk ${c}: worker pool failed: ${(e as Error)?.message ?? String(e)}`,
          hint: 'Run with workers: 0 to diagnose; retry.',
          docs: `${DOCS_PAGE}reconstruct_failed`,
          chunkIndex: c,
        },
      };
    }
  }

  /**
   * How many chunks a window may hold when each fetch reads `readsPerChunk` shares: bounded by
   * bytes (`IN_FLIGHT_BYTES`) for the largest chunk, and by the worker count (two chunks per
   * worker in ideal mode, one in compact mode).
   */
  windowSize(workers: number | undefined, readsPerChunk: number): number {
    const longest = this.manifest.chunks.reduce((m, c) => Math.max(m, c.length), 0);
    const w = workers ?? defaultWorkers();
    return inFlightChunks(
      // Ideal mode: with one chunk queued per worker, the workers sat idle for a third of a
      // restore while the next shares were read; its buffers are shared and capped
      // (restore-buffers.ts). Compact mode measured no faster with more (it is CPU-bound),
      // and its transferred buffers take more memory.
      this.shape.mode === 'ideal' ? 2 * w : w,
      2 * longest + readsPerChunk * chunkShareLength(Math.max(1, longest), this.shape),
    );
  }

  /** Number of live claims over all node indices (what a full fetch reads per chunk). */
  liveClaims(): number {
    return this.live.reduce((sum, l) => sum + l.length, 0);
  }

  badNodes(): number[] {
    return [...this.bad.keys()].sort((a, b) => a - b);
  }
}
