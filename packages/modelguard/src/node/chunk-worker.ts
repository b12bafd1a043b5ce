/**
 * Worker-thread entry: runs `ChunkWorker` tasks posted by `ChunkPool`. Loaded by URL from the
 * built package (dist/node/chunk-worker.js), or through tsx from the sources in tests.
 *
 * Pitfall: an exception in a task must come back as a message, or the pool would wait forever.
 *
 * @module
 */
import { parentPort } from 'node:worker_threads';
import { type ChunkTask, ChunkWorker } from './chunk-work.js';

const worker = new ChunkWorker();
parentPort?.on('message', async (msg: { id: number; task: ChunkTask }) => {
  try {
    const { out, transfer } = await worker.handle(msg.task);
    parentPort!.postMessage({ id: msg.id, out }, transfer);
  } catch (e) {
    parentPort!.postMessage({ id: msg.id, error: (e as Error).message ?? String(e) });
  }
});
