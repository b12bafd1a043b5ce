/**
 * A small pool of worker threads running `ChunkWorker` tasks, so that splitting, hashing and
 * recovery use every core while the calling thread reads, writes and hashes the whole file.
 * `size: 0` runs the same code inline (no threads), which tests use.
 *
 * Pitfalls:
 * - From the TypeScript sources (tests), workers start through the `tsx` loader with the
 *   `@xorida/source` condition; from the built package they load dist/node/chunk-worker.js.
 *   Workers get a filtered copy of the parent's `execArgv` (flags such as `--input-type`,
 *   `--eval` or `--test` make a worker fail to start).
 * - A worker that errors or exits is marked dead: the tasks it held reject, later `run` calls
 *   go to the remaining workers and reject at once when none is left. Callers must await (or
 *   settle) every task promise before `close()`, or `close()` leaves rejections unhandled.
 * - `run` never throws synchronously: a task that cannot be posted (e.g. a buffer that cannot
 *   be transferred) comes back as a rejected promise. Errors are `PoolError`s.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type ChunkTask, ChunkWorker } from './chunk-work.js';

/**
 * Bytes the streaming APIs allow in flight across their windows of chunks (chunk buffers plus
 * the shares read or produced for them): 256 MiB. One chunk is always allowed, whatever its
 * size, so the floor is one chunk's footprint (see `inFlightChunks`).
 */
export const IN_FLIGHT_BYTES = 256 * 1024 * 1024;

/**
 * How many chunks a streaming window may hold: bounded by bytes, not only by worker count.
 * @param workers worker threads (0 = inline)
 * @param bytesPerChunk bytes one in-flight chunk holds (chunk + its shares), for the largest
 *   chunk
 * @param budget in-flight byte budget; default `IN_FLIGHT_BYTES`
 * @returns 1..workers+1 (at least 1 even when one chunk exceeds the budget)
 */
export function inFlightChunks(
  workers: number,
  bytesPerChunk: number,
  budget = IN_FLIGHT_BYTES,
): number {
  const byWorkers = Math.max(1, workers) + 1;
  const byBytes = Math.floor(budget / Math.max(1, bytesPerChunk));
  return Math.max(1, Math.min(byWorkers, byBytes));
}

/** Largest worker count accepted by the file APIs. */
export const MAX_WORKERS = 16;

/** A failure of the worker pool itself or of a task on it (not a verdict about data). */
export class PoolError extends Error {
  override readonly name = 'PoolError';
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  worker: Worker;
  busy: number;
  dead: boolean;
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

/**
 * Whether `workers` is an acceptable worker count: undefined (default) or an integer
 * 0..`MAX_WORKERS`.
 */
export function isWorkerCount(workers: unknown): workers is number | undefined {
  return (
    workers === undefined ||
    (typeof workers === 'number' &&
      Number.isInteger(workers) &&
      workers >= 0 &&
      workers <= MAX_WORKERS)
  );
}

/**
 * The parent's `execArgv` without flags that only make sense for the main thread and break a
 * worker (`--input-type`, `--eval`/`-e`, `--print`/`-p`, `--test*`, `--watch*`, `--inspect*`).
 * @param argv usually `process.execArgv`
 */
export function workerExecArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  const withValue = new Set(['--input-type', '--eval', '-e', '--print', '-p']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (withValue.has(a)) {
      i++; // and its value
      continue;
    }
    if (/^--(input-type|eval|print|test|watch|inspect|debug)/.test(a) || a === '-pe') continue;
    out.push(a);
  }
  return out;
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
  return new Worker(new URL('./chunk-worker.js', here), {
    execArgv: workerExecArgv(process.execArgv),
  });
}

/** Runs chunk tasks on worker threads (or inline when created with size 0). */
export class ChunkPool {
  private readonly slots: Slot[] = [];
  private readonly inline: ChunkWorker | undefined;
  private nextId = 1;

  /**
   * @param size number of worker threads, 0..`MAX_WORKERS`; 0 runs tasks inline
   * @throws PoolError when a worker cannot be created
   */
  constructor(size: number) {
    if (size <= 0) {
      this.inline = new ChunkWorker();
      return;
    }
    for (let i = 0; i < Math.min(size, MAX_WORKERS); i++) {
      let worker: Worker;
      try {
        worker = startWorker();
      } catch (e) {
        for (const s of this.slots) void s.worker.terminate();
        throw new PoolError(`cannot start a worker thread: ${(e as Error).message}`);
      }
      const slot: Slot = { worker, busy: 0, dead: false, pending: new Map() };
      slot.worker.on('message', (msg: { id: number; out?: unknown; error?: string }) => {
        const p = slot.pending.get(msg.id);
        if (!p) return;
        slot.pending.delete(msg.id);
        slot.busy--;
        if (msg.error !== undefined) p.reject(new PoolError(msg.error));
        else p.resolve(msg.out);
      });
      const die = (e: unknown) => {
        slot.dead = true;
        const err = e instanceof PoolError ? e : new PoolError((e as Error)?.message ?? String(e));
        for (const p of slot.pending.values()) p.reject(err);
        slot.pending.clear();
        slot.busy = 0;
      };
      slot.worker.on('error', die);
      slot.worker.on('exit', (code) => die(new PoolError(`chunk worker exited with code ${code}`)));
      this.slots.push(slot);
    }
  }

  private post(slot: Slot, task: ChunkTask, transfer: ArrayBuffer[], p: Pending): void {
    const id = this.nextId++;
    slot.busy++;
    slot.pending.set(id, p);
    try {
      slot.worker.postMessage({ id, task }, transfer);
    } catch (e) {
      slot.pending.delete(id);
      slot.busy--;
      p.reject(new PoolError(`cannot post a task to a worker: ${(e as Error).message}`));
    }
  }

  /**
   * Runs a task on the least busy live worker.
   * @param transfer buffers moved to the worker (unusable here afterwards)
   * @returns the task's output; rejects with a `PoolError` when the task failed, could not be
   *   posted, or no worker is alive
   */
  run<T>(task: ChunkTask, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.inline) {
      try {
        return this.inline.handle(task).then(
          (r) => r.out as T,
          (e) => Promise.reject(new PoolError((e as Error)?.message ?? String(e))),
        );
      } catch (e) {
        return Promise.reject(new PoolError((e as Error)?.message ?? String(e)));
      }
    }
    let slot: Slot | undefined;
    for (const s of this.slots) if (!s.dead && (!slot || s.busy < slot.busy)) slot = s;
    if (!slot) return Promise.reject(new PoolError('no chunk worker is alive'));
    const chosen = slot;
    return new Promise<T>((resolve, reject) =>
      this.post(chosen, task, transfer, { resolve: resolve as (v: unknown) => void, reject }),
    );
  }

  /** Runs the same task on every worker (per-thread state such as group ids). */
  async broadcast(task: ChunkTask): Promise<void> {
    if (this.inline) {
      await this.inline.handle(task);
      return;
    }
    const results = await Promise.allSettled(
      this.slots.map((slot) =>
        slot.dead
          ? Promise.reject(new PoolError('chunk worker is dead'))
          : new Promise<void>((resolve, reject) =>
              this.post(slot, task, [], { resolve: () => resolve(), reject }),
            ),
      ),
    );
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }

  /** Stops the workers. Settle every task promise first (see the module pitfalls). */
  async close(): Promise<void> {
    this.inline?.dispose();
    await Promise.allSettled(this.slots.map((s) => s.worker.terminate()));
  }
}
