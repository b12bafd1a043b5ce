/**
 * The CPU-heavy per-chunk work (split + tag, or fetch-verified recovery), written once and run
 * either inside a worker thread (`chunk-worker.ts`) or inline in the calling thread.
 *
 * Pitfall: everything crossing the thread boundary must be structured-clonable; buffers are
 * transferred, so a caller must not touch a chunk buffer after handing it over.
 *
 * @module
 */

import { backend } from '@xorida/agent-sdk/crypto';
import {
  createDisperser,
  createSplitter,
  type Disperser,
  SHARE_HEADER_LENGTH,
  SHARE_HEADER_LENGTH_RAMP,
  type Splitter,
} from 'xorida';
import type { ModelGuardError } from '../errors.js';
import { chunkTagPrefix } from '../lib/chunk-tag.js';
import { sealChunkInPlace } from '../lib/compact.js';
import { idealShareTag } from '../lib/ideal-share-tag.js';
import { PRODUCT_TYPE_MODELGUARD } from '../lib/limits.js';
import {
  alignedPool,
  type Candidate,
  type ChunkRecovery,
  recoverChunk,
} from '../lib/recover-chunk.js';
import { shareDigestPrefix } from '../lib/share-digest.js';
import { writeShareHeader } from '../lib/share-header.js';
import { shareTag } from '../lib/share-tag.js';

/** Where a chunk and its shares sit in a shared slot (guard-buffers.ts). */
export interface SlotRef {
  /** Index into the buffers of the last `SlotsTask`. */
  readonly id: number;
  /** Chunk length in bytes; the chunk starts at byte 0 of the slot. */
  readonly length: number;
  /** Byte offset of each node's share. */
  readonly shareAt: readonly number[];
  /** Encoded share length in bytes. */
  readonly shareLength: number;
}

/** `length` bytes at `offset` of shared buffer `shared` (an index into the `SlotsTask`). */
export interface SharedView {
  readonly shared: number;
  readonly offset: number;
  readonly length: number;
}

/** A candidate as posted to a worker: shares may be shared views. */
export type WireCandidate = Candidate | SharedView | readonly (Uint8Array | SharedView)[];

/** Hands the worker the shared slot buffers that later `SplitTask.slot`s refer to. */
export interface SlotsTask {
  readonly kind: 'slots';
  readonly buffers: SharedArrayBuffer[];
}

/** Split one chunk into n encoded shares and compute its tag. */
export interface SplitTask {
  readonly kind: 'split';
  readonly modelId: Uint8Array;
  readonly k: number;
  readonly n: number;
  readonly index: number;
  readonly offset: number;
  /** The chunk bytes (transferred; wiped and returned as `SplitOutput.chunk`). */
  readonly chunk: Uint8Array;
  /** Optional n recycled output buffers of `chunkShareLength(chunk.length, shape)` bytes. */
  readonly outputs?: Uint8Array[];
  /**
   * Compact mode: the 32-byte content key. The chunk is sealed (AES-256-GCM) and the sealed
   * bytes dispersed with L = k instead of split (docs/formats.md "Compact mode").
   */
  readonly key?: Uint8Array;
  /**
   * Ideal mode, manifest version 5: the 32-byte share tag key; `digests` are then keyed share
   * tags (ideal-share-tag.ts) instead of SHA-256 share digests.
   */
  readonly tagKey?: Uint8Array;
  /**
   * The chunk and share buffers are in a shared slot (`chunk` and `outputs` are then ignored);
   * the output's `shares` and `chunk` come back empty, the shares are in the slot.
   */
  readonly slot?: SlotRef;
}

/** Result of a `SplitTask`. */
export interface SplitOutput {
  readonly tag: Uint8Array;
  readonly groupId: Uint8Array;
  /** `shares[node]`: IDA5 encoding, product type 0x0010. */
  readonly shares: Uint8Array[];
  /**
   * `digests[node]`: ideal mode, the 32-byte share digest of `shares[node]` (share-digest.ts);
   * compact mode, its 16-byte GMAC share tag (share-tag.ts).
   */
  readonly digests: Uint8Array[];
  /** The input buffer, wiped, handed back for reuse. */
  readonly chunk: Uint8Array;
}

/** Recover one chunk from encoded shares. */
export interface RecoverTask {
  readonly kind: 'recover';
  readonly modelId: Uint8Array;
  readonly k: number;
  readonly n: number;
  readonly index: number;
  readonly offset: number;
  readonly length: number;
  readonly groupId: string;
  readonly tag: Uint8Array;
  /** `shareDigests[node]`: 32-byte digests from the manifest (absent: v4 compact mode). */
  readonly shareDigests?: Uint8Array[];
  /** Version 4/5 compact mode: 16-byte GMAC share tags; version 5 ideal: 32-byte keyed tags. */
  readonly shareTags?: Uint8Array[];
  /** Version 5 ideal mode: the 32-byte share tag key. */
  readonly tagKey?: Uint8Array;
  /**
   * `candidates[node]`: a share, several claims of it, or undefined; a share may be a
   * `SharedView` of a buffer registered with `SlotsTask` (nothing transferred).
   */
  readonly candidates: WireCandidate[];
  readonly classifyAll: boolean;
  /** A recycled output buffer of `length` bytes (transferred), to avoid garbage. */
  readonly out?: Uint8Array;
  /** Or a shared output buffer: the result's `bytes` then come back empty (they are there). */
  readonly outShared?: SharedView;
  /** Compact mode: the 32-byte content key. */
  readonly key?: Uint8Array;
}

/** Tells a worker which group ids belong to the current manifest. */
export interface GroupsTask {
  readonly kind: 'groups';
  readonly groups: string[];
}

export type ChunkTask = SplitTask | RecoverTask | GroupsTask | SlotsTask;

/**
 * Result of a `RecoverTask`: a plain, clonable Result, plus `spent`, the candidate share
 * buffers handed back (transferred) so the caller can read later chunks into them.
 */
export type RecoverOutput = (
  | { readonly ok: true; readonly value: ChunkRecovery }
  | { readonly ok: false; readonly error: ModelGuardError }
) & { readonly spent?: Uint8Array[] };

const PAYLOAD_ALIGN_PAD = 6; // (6 + SHARE_HEADER_LENGTH) % 8 === 0
const RAMP_ALIGN_PAD = 5; // (5 + SHARE_HEADER_LENGTH_RAMP) % 8 === 0

/** Holds the per-thread state (splitter and its random scratch, manifest group ids). */
export class ChunkWorker {
  private splitter: Splitter | undefined;
  private disperser: Disperser | undefined;
  private readonly aligned = alignedPool(8);
  private groups = new Set<string>();
  private shared: SharedArrayBuffer[] = [];

  /**
   * Runs one task.
   * @returns the output and the buffers to transfer back
   */
  async handle(task: ChunkTask): Promise<{ out: unknown; transfer: ArrayBuffer[] }> {
    if (task.kind === 'groups') {
      this.groups = new Set(task.groups);
      return { out: undefined, transfer: [] };
    }
    if (task.kind === 'slots') {
      this.shared = task.buffers;
      return { out: undefined, transfer: [] };
    }
    if (task.kind === 'split' && task.slot) {
      // Shared memory: nothing is transferred, so no ArrayBuffer is created per chunk.
      const { id, length, shareAt, shareLength } = task.slot;
      const buffer = this.shared[id];
      if (!buffer) throw new Error(`unknown shared slot ${id}`);
      const out = await this.split({
        ...task,
        chunk: new Uint8Array(buffer, 0, length),
        outputs: shareAt.map((at) => new Uint8Array(buffer, at, shareLength)),
      });
      if (!out.shares.every((b) => b.buffer === buffer))
        throw new Error(`chunk ${task.index}: shares not written into the shared slot`);
      const empty = new Uint8Array(0);
      return { out: { ...out, shares: [], chunk: empty }, transfer: [] };
    }
    if (task.kind === 'split') {
      const out = await this.split(task);
      return {
        out,
        transfer: [...out.shares, out.chunk].map((s) => s.buffer as ArrayBuffer),
      };
    }
    const view = (v: SharedView) => {
      const b = this.shared[v.shared];
      if (!b) throw new Error(`unknown shared buffer ${v.shared}`);
      return new Uint8Array(b, v.offset, v.length);
    };
    const one = (x: Uint8Array | SharedView) => (x instanceof Uint8Array ? x : view(x));
    const candidates: Candidate[] = task.candidates.map((c) =>
      c === undefined
        ? undefined
        : Array.isArray(c)
          ? c.map(one)
          : one(c as Uint8Array | SharedView),
    );
    const out = task.outShared ? view(task.outShared) : task.out;
    const r = await recoverChunk(
      {
        modelId: task.modelId,
        k: task.k,
        n: task.n,
        index: task.index,
        offset: task.offset,
        length: task.length,
        groupId: task.groupId,
        tag: task.tag,
        ...(task.shareDigests ? { shareDigests: task.shareDigests } : {}),
        ...(task.shareTags ? { shareTags: task.shareTags } : {}),
        knownGroup: (g) => this.groups.has(g),
        ...(task.key ? { key: task.key } : {}),
        ...(task.tagKey ? { tagKey: task.tagKey } : {}),
      },
      candidates,
      backend.sha256Parts,
      {
        classifyAll: task.classifyAll,
        out,
        aligned: this.aligned,
      },
    );
    // Hand the plain share buffers back (each ArrayBuffer once; never the output's); shared
    // ones stay where they are.
    const buffers = new Set<ArrayBuffer>();
    const spent: Uint8Array[] = [];
    for (const c of candidates)
      for (const b of c === undefined ? [] : c instanceof Uint8Array ? [c] : c)
        if (b instanceof Uint8Array && b.buffer instanceof ArrayBuffer && !buffers.has(b.buffer)) {
          buffers.add(b.buffer);
          spent.push(b);
        }
    const bytes = r.ok ? r.value.bytes : undefined;
    if (bytes) buffers.delete(bytes.buffer as ArrayBuffer);
    const inShared = r.ok && bytes?.buffer === out?.buffer && task.outShared !== undefined;
    const result = inShared && r.ok ? { ...r, value: { ...r.value, bytes: new Uint8Array(0) } } : r;
    const outBuffer =
      bytes && !inShared && bytes.buffer instanceof ArrayBuffer ? [bytes.buffer] : [];
    return {
      out: { ...result, spent: spent.filter((b) => buffers.has(b.buffer as ArrayBuffer)) },
      transfer: [...buffers, ...outBuffer],
    };
  }

  /** Compact mode: seal, then disperse the sealed chunk into n ramp shares (L = k). */
  private async disperse(task: SplitTask): Promise<SplitOutput> {
    const { k, n, chunk } = task;
    if (!this.disperser || this.disperser.k !== k || this.disperser.n !== n) {
      this.disperser?.dispose();
      const d = createDisperser({ k, n });
      if (!d.ok) throw new Error(d.error.message);
      this.disperser = d.value;
    }
    const tag = backend.sha256Parts([
      chunkTagPrefix(task.modelId, task.index, task.offset, chunk.length),
      chunk,
    ]);
    // In place when the chunk buffer has 16 bytes of room (guardFile allocates it so): no fresh
    // 4 MiB buffer (zero fill, page faults) per chunk.
    const sealed = await sealChunkInPlace(task.key!, task.modelId, task.index, task.offset, chunk);
    if (sealed.buffer !== chunk.buffer) chunk.fill(0);
    const len = this.disperser.shareLength(sealed.length);
    const size = SHARE_HEADER_LENGTH_RAMP + len;
    const shares =
      task.outputs?.length === n && task.outputs.every((b) => b.length === size)
        ? task.outputs
        : Array.from(
            { length: n },
            // The payload after the 35-byte ramp header starts 8-byte aligned (see split).
            () => new Uint8Array(new ArrayBuffer(size + RAMP_ALIGN_PAD), RAMP_ALIGN_PAD, size),
          );
    const g = this.disperser.disperseInto(
      sealed,
      shares.map((b) => b.subarray(SHARE_HEADER_LENGTH_RAMP)),
    );
    sealed.fill(0);
    if (!g.ok) throw new Error(`chunk ${task.index}: ${g.error.message}`);
    for (let i = 0; i < n; i++)
      writeShareHeader(shares[i]!, {
        index: i,
        n,
        k,
        L: k,
        groupId: g.value,
        originalLength: sealed.length,
        payloadLength: len,
        productType: PRODUCT_TYPE_MODELGUARD,
      });
    // GMAC share tags: about six times cheaper than SHA-256 share digests (share-tag.ts).
    const digests = shares.map((b, i) => shareTag(task.key!, task.index, i, b));
    return { tag, groupId: g.value, shares, digests, chunk };
  }

  private async split(task: SplitTask): Promise<SplitOutput> {
    if (task.key) return await this.disperse(task);
    const { k, n, chunk } = task;
    if (!this.splitter || this.splitter.threshold !== k || this.splitter.shares !== n) {
      this.splitter?.dispose();
      const s = createSplitter({ threshold: k, shares: n });
      if (!s.ok) throw new Error(s.error.message);
      this.splitter = s.value;
    }
    const len = this.splitter.shareLength(chunk.length);
    // Each output buffer is header + payload; splitInto writes the payload in place (no copy),
    // then the IDA5 header goes in front. The buffers are transferred to the caller.
    const size = SHARE_HEADER_LENGTH + len;
    const shares =
      task.outputs?.length === n && task.outputs.every((b) => b.length === size)
        ? task.outputs
        : Array.from(
            { length: n },
            // Start the view 6 bytes in, so the payload (after the 34-byte header) sits at an
            // 8-byte-aligned offset: xorida's aligned XOR path is about 3x faster.
            () =>
              new Uint8Array(new ArrayBuffer(size + PAYLOAD_ALIGN_PAD), PAYLOAD_ALIGN_PAD, size),
          );
    const g = this.splitter.splitInto(
      chunk,
      shares.map((b) => b.subarray(SHARE_HEADER_LENGTH)),
    );
    if (!g.ok) throw new Error(`chunk ${task.index}: ${g.error.message}`);
    for (let i = 0; i < n; i++) {
      writeShareHeader(shares[i]!, {
        index: i,
        n,
        k,
        groupId: g.value,
        originalLength: chunk.length,
        payloadLength: len,
        productType: PRODUCT_TYPE_MODELGUARD,
      });
    }
    const tag = backend.sha256Parts([
      chunkTagPrefix(task.modelId, task.index, task.offset, chunk.length),
      chunk,
    ]);
    // A shared slot's chunk is overwritten by the next read and wiped by guardFile at the end
    // (GuardBuffers.wipe): wiping it here was a tenth of a worker's time.
    if (!(chunk.buffer instanceof SharedArrayBuffer)) chunk.fill(0);
    // Version 5: keyed share tags, GMAC-based, about six times cheaper than SHA-256 digests.
    const { tagKey } = task;
    const digests = shares.map((b, i) =>
      tagKey
        ? idealShareTag(tagKey, task.index, i, b)
        : backend.sha256Parts([shareDigestPrefix(task.modelId, task.index, i), b]),
    );
    return { tag, groupId: g.value, shares, digests, chunk };
  }

  /** Wipes and drops the scratch buffers. */
  dispose(): void {
    this.splitter?.dispose();
    this.disperser?.dispose();
  }
}
