/**
 * The buffers `guardFile` reads chunks into and its workers write shares into, recycled so the
 * steady state allocates nothing per chunk. Two paths:
 *
 * - Shared slots (ideal mode, every node sets `acceptsShared`, the slots fit
 *   `SHARED_SLOT_BYTES`): a few SharedArrayBuffers, each holding one chunk and its n shares,
 *   handed to the workers once. Nothing is transferred per chunk, so no ArrayBuffer is created
 *   per chunk: transferred buffers count as new external memory and made V8 run a full
 *   mark-compact every few chunks (about a fifth of guard's CPU time, measured with perf; 23 %
 *   less CPU with slots on 1 GiB). A slot is free again when every node feed released its share.
 * - Transfer (compact mode, which measured no faster with slots and larger; other nodes; a
 *   chunk longer than `chunkSize`, e.g. a safetensors header): plain ArrayBuffers moved to the
 *   worker and back, recycled up to `FREE_SHARE_BYTES`.
 *
 * Pitfall: a slot's bytes are reused once its shares are released; `StorageNode.put` must not
 * keep a chunk after asking for the next one (its contract).
 *
 * @module
 */
import { SHARE_HEADER_LENGTH, SHARE_HEADER_LENGTH_RAMP } from 'xorida';
import { type BlobShape, chunkShareLength } from '../lib/chunk-plan.js';
import { wipe } from '../lib/wipe.js';
import type { SlotRef, SplitOutput } from './chunk-work.js';

/** Bytes of recycled transfer-path share buffers kept for reuse. */
const FREE_SHARE_BYTES = 64 * 1024 * 1024;
/** Most bytes all shared slots together may take; beyond it the transfer path is used. */
export const SHARED_SLOT_BYTES = 128 * 1024 * 1024;

const align8 = (x: number) => Math.ceil(x / 8) * 8;

interface Slot {
  readonly id: number;
  readonly buffer: SharedArrayBuffer;
  /** Where each share's view starts: its payload (after the IDA5 header) is 8-byte aligned. */
  readonly shareAt: number[];
  busy: number;
}

/** What one chunk was given: the buffer to read into, and how the worker finds its outputs. */
export interface Taken {
  readonly chunk: Uint8Array;
  readonly slot?: Slot;
  /** Transfer path: n recycled share buffers, or undefined to let the worker allocate. */
  readonly outputs?: Uint8Array[];
}

/** Recycled chunk and share buffers of one `guardFile` run. */
export class GuardBuffers {
  private readonly freeChunks: Uint8Array[] = [];
  private readonly freeShares: Uint8Array[] = [];
  private freeShareBytes = 0;
  private readonly slots: Slot[] = [];
  private readonly freeSlots: Slot[] = [];
  private readonly owner = new Map<Uint8Array, Slot>();
  private wake: (() => void) | undefined;
  private wakeFailed: ((e: unknown) => void) | undefined;
  private failure: { error: unknown } | undefined;

  /**
   * @param chunkSize the configured chunk length in bytes
   * @param shape `{ n, k, mode }`
   * @param slotCount shared slots wanted (0: transfer path only); fewer when they would
   *   exceed `SHARED_SLOT_BYTES`, none when even one would
   */
  constructor(
    private readonly chunkSize: number,
    private readonly shape: BlobShape,
    slotCount: number,
  ) {
    const header = shape.mode === 'ideal' ? SHARE_HEADER_LENGTH : SHARE_HEADER_LENGTH_RAMP;
    const pad = (8 - (header % 8)) % 8;
    // Compact mode seals in place: 16 bytes of room after the chunk.
    let at = align8(chunkSize + 16);
    const shareAt: number[] = [];
    const shareLength = chunkShareLength(chunkSize, shape);
    for (let i = 0; i < shape.n; i++) {
      shareAt.push(at + pad);
      at = align8(at + pad + shareLength);
    }
    const count = Math.min(slotCount, Math.floor(SHARED_SLOT_BYTES / at));
    for (let id = 0; id < count; id++) {
      const slot = { id, buffer: new SharedArrayBuffer(at), shareAt, busy: 0 };
      this.slots.push(slot);
      this.freeSlots.push(slot);
    }
  }

  /** The shared slot buffers, in slot id order (posted to every worker once). */
  get shared(): SharedArrayBuffer[] {
    return this.slots.map((s) => s.buffer);
  }

  /** Whether a chunk of `length` bytes goes through a shared slot. */
  usesSlot(length: number): boolean {
    return this.slots.length > 0 && length <= this.chunkSize;
  }

  /** Whether a slot is free now. */
  hasFreeSlot(): boolean {
    return this.freeSlots.length > 0;
  }

  /**
   * Resolves when a slot may have become free (a node released its last share of one); rejects
   * with the error once `fail` was called (a node failed: its shares are never released).
   */
  slotReleased(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure.error);
    return new Promise((resolve, reject) => {
      this.wake = resolve;
      this.wakeFailed = reject;
    });
  }

  /** A node failed: wakes and fails any wait for a slot. */
  fail(error: unknown): void {
    this.failure ??= { error };
    this.wakeFailed?.(error);
    this.wake = this.wakeFailed = undefined;
  }

  /**
   * Buffers for a chunk of `length` bytes; call only with a free slot when `usesSlot(length)`.
   * @param encrypt compact mode: the transfer-path chunk buffer gets 16 bytes of room
   */
  take(length: number, encrypt: boolean): Taken {
    if (this.usesSlot(length)) {
      const slot = this.freeSlots.pop()!;
      return { chunk: new Uint8Array(slot.buffer, 0, length), slot };
    }
    const chunk =
      (length === this.chunkSize ? this.freeChunks.pop() : undefined) ??
      (encrypt ? new Uint8Array(new ArrayBuffer(length + 16), 0, length) : new Uint8Array(length));
    const shareSize = chunkShareLength(length, this.shape);
    const outputs: Uint8Array[] = [];
    for (let i = this.freeShares.length - 1; i >= 0 && outputs.length < this.shape.n; i--)
      if (this.freeShares[i]!.length === shareSize) outputs.push(...this.freeShares.splice(i, 1));
    if (outputs.length === this.shape.n) {
      this.freeShareBytes -= this.shape.n * shareSize;
      return { chunk, outputs };
    }
    this.freeShares.push(...outputs);
    return { chunk };
  }

  /** How the worker finds a slot chunk's buffers. */
  ref(t: Taken): SlotRef | undefined {
    if (!t.slot) return undefined;
    const length = t.chunk.length;
    return {
      id: t.slot.id,
      length,
      shareAt: t.slot.shareAt,
      shareLength: chunkShareLength(length, this.shape),
    };
  }

  /**
   * The n shares of a finished chunk, to push to the node feeds; recycles its chunk buffer.
   * Slot shares are views of the slot, which stays busy until the feeds release them all.
   */
  sharesOf(t: Taken, out: SplitOutput): Uint8Array[] {
    if (!t.slot) {
      if (out.chunk.length === this.chunkSize) this.freeChunks.push(out.chunk);
      return out.shares;
    }
    const slot = t.slot;
    const len = chunkShareLength(t.chunk.length, this.shape);
    const views = slot.shareAt.map((at) => new Uint8Array(slot.buffer, at, len));
    for (const v of views) this.owner.set(v, slot);
    slot.busy = views.length;
    return views;
  }

  /**
   * Zeroes every shared slot and recycled chunk buffer (chunks in slots are not wiped per chunk:
   * the next read overwrites them). Call once no task or node write uses them any more.
   */
  wipe(): void {
    for (const s of this.slots) wipe(new Uint8Array(s.buffer));
    for (const c of this.freeChunks) c.fill(0);
  }

  /** The node feeds' release callback: a share buffer the node no longer uses. */
  readonly release = (b: Uint8Array): void => {
    const slot = this.owner.get(b);
    if (slot) {
      this.owner.delete(b);
      if (--slot.busy === 0) {
        this.freeSlots.push(slot);
        this.wake?.();
        this.wake = this.wakeFailed = undefined;
      }
      return;
    }
    // Bounded in bytes, not buffers: at n = 255, 4n buffers of 4 MiB would be 4 GiB.
    if (b.buffer instanceof ArrayBuffer && this.freeShareBytes + b.length <= FREE_SHARE_BYTES) {
      this.freeShares.push(b);
      this.freeShareBytes += b.length;
    }
  };
}
