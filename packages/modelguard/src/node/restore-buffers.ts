/**
 * The buffers a restore reads shares into and recovers chunks into, recycled across chunks and,
 * in ideal mode up to `SHARED_BYTES`, shared with the worker threads (SharedArrayBuffers registered with them
 * once), so that nothing is transferred per chunk. Transferred buffers count as new external
 * memory and made V8 run a full mark-compact every few chunks (about a fifth of restore's CPU
 * time, measured with perf), and fresh 4 MiB buffers cost a zero fill and a page fault per 4 KiB.
 *
 * Pitfall: a shared buffer posted in a task must not be reused before that task settled;
 * `settle` gives a task's buffers back.
 *
 * @module
 */
import { SHARE_HEADER_LENGTH, SHARE_HEADER_LENGTH_RAMP } from 'xorida';
import type { GuardMode } from '../lib/chunk-plan.js';
import type { Candidate } from '../lib/recover-chunk.js';
import type { ChunkPool } from './chunk-pool.js';
import type { SharedView, WireCandidate } from './chunk-work.js';

/** Most bytes of shared buffers one restore allocates; beyond it plain buffers are used. */
export const SHARED_BYTES = 128 * 1024 * 1024;
/** Plain share read buffers kept for reuse: enough for two chunks read from three nodes. */
const FREE_PLAIN = 6;

/** A task's candidates as posted, and what to give back once it settled. */
export interface Wired {
  readonly candidates: WireCandidate[];
  readonly transfer: ArrayBuffer[];
  readonly shared: Uint8Array[];
}

/** Share and output buffers of one restore or verify run. */
export class RestoreBuffers {
  private readonly buffers: SharedArrayBuffer[] = [];
  private sharedBytes = 0;
  private readonly views = new Map<Uint8Array, SharedView>();
  private readonly freeShared: Uint8Array[] = [];
  private readonly freePlain: Uint8Array[] = [];
  private readonly pad: number;
  /** Ideal mode only: compact mode measured slower (more user time, larger RSS) with them. */
  private readonly sharing: boolean;

  constructor(
    private readonly pool: ChunkPool,
    mode: GuardMode,
  ) {
    this.sharing = mode === 'ideal';
    const header = mode === 'ideal' ? SHARE_HEADER_LENGTH : SHARE_HEADER_LENGTH_RAMP;
    // The view starts so that the payload after the IDA5 header is 8-byte aligned, which spares
    // recovery a copy.
    this.pad = (8 - (header % 8)) % 8;
  }

  /** A new shared view of `length` bytes at `pad`, or undefined past `SHARED_BYTES`. */
  private newShared(length: number, pad: number): Uint8Array | undefined {
    const size = pad + length;
    if (!this.sharing || this.sharedBytes + size > SHARED_BYTES) return undefined;
    const buffer = new SharedArrayBuffer(size);
    const shared = this.buffers.push(buffer) - 1;
    this.sharedBytes += size;
    // Messages to a worker arrive in order, so tasks posted after this see the buffer.
    this.pool.broadcast({ kind: 'slots', buffers: [...this.buffers] }).catch(() => {});
    const view = new Uint8Array(buffer, pad, length);
    this.views.set(view, { shared, offset: pad, length });
    return view;
  }

  private take(free: Uint8Array[], length: number): Uint8Array | undefined {
    const i = free.findIndex((b) => b.length === length);
    return i >= 0 ? free.splice(i, 1)[0] : undefined;
  }

  /** A buffer to read one share of `length` bytes into (node `get`'s `into`). */
  takeShare(length: number): Uint8Array {
    return (
      this.take(this.freeShared, length) ??
      this.take(this.freePlain, length) ??
      this.newShared(length, this.pad) ??
      new Uint8Array(new ArrayBuffer(length + this.pad), this.pad, length)
    );
  }

  /** A share buffer not used after all (the node returned other bytes, or failed). */
  giveShare(b: Uint8Array): void {
    if (this.views.has(b)) this.freeShared.push(b);
    else if (this.freePlain.length < FREE_PLAIN && b.buffer.byteLength > 0) this.freePlain.push(b);
  }

  /** An output buffer of `length` bytes: recycled from `free`, else shared when room is left. */
  takeOut(free: Uint8Array[], length: number): Uint8Array | undefined {
    return this.take(free, length) ?? this.newShared(length, 0);
  }

  /** The shared view descriptor of `b`, if it is one of ours. */
  viewOf(b: Uint8Array): SharedView | undefined {
    return this.views.get(b);
  }

  /** Candidates as posted: shared shares by reference, plain ones transferred. */
  wire(candidates: readonly Candidate[]): Wired {
    const transfer: ArrayBuffer[] = [];
    const shared: Uint8Array[] = [];
    const one = (x: Uint8Array): Uint8Array | SharedView => {
      const v = this.views.get(x);
      if (v) shared.push(x);
      else transfer.push(x.buffer as ArrayBuffer);
      return v ?? x;
    };
    const wired = candidates.map((c) =>
      c === undefined ? undefined : c instanceof Uint8Array ? one(c) : c.map(one),
    );
    return { candidates: wired, transfer, shared };
  }

  /** Once a task settled: its shared shares and the plain ones the worker handed back. */
  settle(w: Wired, spent: readonly Uint8Array[] | undefined): void {
    for (const b of w.shared) this.freeShared.push(b);
    for (const b of spent ?? []) this.giveShare(b);
  }
}
