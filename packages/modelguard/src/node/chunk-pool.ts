/**
 * A small pool of worker threads running `ChunkWorker` tasks, so that splitting, hashing and
 * recovery use every core while the calling thread reads, writes and hashes the whole file.
 * `size: 0` runs the same code inline (no threads), which tests use.
 *
 * Pitfalls:
 * - From the TypeScript sources (tests), workers start through the `tsx` loader with the
 *   `@xorida/source` condition; from the built package they load dist/node/chunk-worker.js.
 * - A worker crash rejects the tasks it held; the pool is then unusable and must be closed.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type ChunkTask, ChunkWorker } from './chunk-work.js';

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  worker: Worker;
  busy: number;
  pending: Map<number, Pending>;
}

/**
 * Default worker count: the machine's parallelism, at least 1, at most 4. The calling thread
 * also keeps a core busy (reads, writes, whole-file hash); on 2 shared cores the 1 GiB
 * benchmark still ran faster with 2 workers than with 1.
 */
export function defaultWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

function startWorker(): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    // Running from the TypeScript sources (tests): register tsx inside the worker, then load
    // the .ts entry; `@xorida/source` makes `xorida` resolve to its sources as in vitest.
    const api = pathToFileURL(createRequire(here).resolve('tsx/esm/api')).href;
    const entry = new URL('./chunk-worker.ts', here).href;
    const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
    return new Worker(code, { eval: true, execArgv: ['--conditions=@xorida/source'] });
  }
  return new Worker(new URL('./chunk-worker.js', here));
}

/** Runs chunk tasks on worker threads (or inline when created with size 0). */
export class ChunkPool {
  private readonly slots: Slot[] = [];
  private readonly inline: ChunkWorker | undefined;
  private nextId = 1;

  /** @param size number of worker threads; 0 runs tasks inline */
  constructor(size: number) {
    if (size <= 0) {
      this.inline = new ChunkWorker();
      return;
    }
    for (let i = 0; i < size; i++) {
      const slot: Slot = { worker: startWorker(), busy: 0, pending: new Map() };
      slot.worker.on('message', (msg: { id: number; out?: unknown; error?: string }) => {
        const p = slot.pending.get(msg.id);
        if (!p) return;
        slot.pending.delete(msg.id);
        slot.busy--;
        if (msg.error !== undefined) p.reject(new Error(msg.error));
        else p.resolve(msg.out);
      });
      const failAll = (e: unknown) => {
        for (const p of slot.pending.values()) p.reject(e);
        slot.pending.clear();
      };
      slot.worker.on('error', failAll);
      slot.worker.on('exit', (code) => {
        if (code !== 0) failAll(new Error(`chunk worker exited with code ${code}`));
      });
      this.slots.push(slot);
    }
  }

  /**
   * Runs a task on the least busy worker.
   * @param transfer buffers moved to the worker (unusable here afterwards)
   */
  run<T>(task: ChunkTask, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.inline) return this.inline.handle(task).then((r) => r.out as T);
    let slot = this.slots[0]!;
    for (const s of this.slots) if (s.busy < slot.busy) slot = s;
    const id = this.nextId++;
    slot.busy++;
    return new Promise<T>((resolve, reject) => {
      slot.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      slot.worker.postMessage({ id, task }, transfer);
    });
  }

  /** Runs the same task on every worker (per-thread state such as group ids). */
  async broadcast(task: ChunkTask): Promise<void> {
    if (this.inline) {
      await this.inline.handle(task);
      return;
    }
    await Promise.all(
      this.slots.map(
        (slot) =>
          new Promise<void>((resolve, reject) => {
            const id = this.nextId++;
            slot.busy++;
            slot.pending.set(id, { resolve: () => resolve(), reject });
            slot.worker.postMessage({ id, task });
          }),
      ),
    );
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    this.inline?.dispose();
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
