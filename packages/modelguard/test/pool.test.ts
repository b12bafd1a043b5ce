import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backend } from '@xorida/agent-sdk/crypto';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { ChunkPool, inFlightChunks, workerExecArgv } from '../src/node/chunk-pool.js';
import type { ChunkTask } from '../src/node/chunk-work.js';
import { bytes } from './helpers.js';
import {
  createDirectoryNode,
  guardFile,
  reconstructFile,
  type StorageNodeLike,
  verifyFile,
} from './pool-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'modelguard-pool-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());
let seq = 0;
const fresh = (name: string) => join(root, `${name}-${seq++}`);

async function guarded(size = 40_000) {
  const input = fresh('in');
  const data = bytes(size, 21);
  writeFileSync(input, data);
  const nodes = [0, 1, 2].map(() => createDirectoryNode(fresh('node'), { fsync: false }));
  const g = await guardFile(input, { nodes, threshold: 2, chunkSize: 4096, workers: 0 });
  if (!g.ok) throw new Error(g.error.message);
  return { data, nodes, manifest: g.value.manifest };
}

/** Makes the pool reject chunk 1's task after a delay, while other tasks are in flight. */
function failChunkOne() {
  const orig = ChunkPool.prototype.run;
  vi.spyOn(ChunkPool.prototype, 'run').mockImplementation(function (
    this: ChunkPool,
    task: ChunkTask,
    transfer?: ArrayBuffer[],
  ) {
    if ((task.kind === 'split' || task.kind === 'recover') && task.index === 1)
      return new Promise((_, reject) => setTimeout(() => reject(new Error('boom')), 30));
    return orig.call(this, task, transfer);
  } as typeof orig);
}

describe('worker pool failures', () => {
  it('reconstructFile returns RECONSTRUCT_FAILED, leaves no rejection unhandled', async () => {
    const g = await guarded();
    failChunkOne();
    const out = fresh('out');
    const r = await reconstructFile(g.manifest, g.nodes, out, { workers: 2 });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('RECONSTRUCT_FAILED');
      expect(r.error.chunkIndex).toBe(1);
    }
  });

  it('verifyFile returns RECONSTRUCT_FAILED instead of throwing', async () => {
    const g = await guarded();
    failChunkOne();
    const r = await verifyFile(g.manifest, g.nodes, { workers: 2 });
    expect(!r.ok && r.error.code).toBe('RECONSTRUCT_FAILED');
  });

  it('guardFile returns SPLIT_FAILED and commits nothing', async () => {
    const input = fresh('in');
    writeFileSync(input, bytes(40_000, 22));
    const dirs = [0, 1, 2].map(() => fresh('node'));
    const nodes = dirs.map((d) => createDirectoryNode(d, { fsync: false }));
    failChunkOne();
    const r = await guardFile(input, { nodes, threshold: 2, chunkSize: 4096, workers: 2 });
    expect(!r.ok && r.error.code).toBe('SPLIT_FAILED');
    for (const node of nodes) expect(await node.list()).toEqual([]);
  });

  it('a storage node returning SharedArrayBuffer-backed views still restores on workers', async () => {
    const g = await guarded();
    const shared: StorageNodeLike[] = g.nodes.map((node) => ({
      ...node,
      async get(name, range) {
        const b = await node.get(name, range);
        if (!b) return b;
        const view = new Uint8Array(new SharedArrayBuffer(b.length));
        view.set(b);
        return view;
      },
    }));
    const out = fresh('out');
    const r = await reconstructFile(g.manifest, shared, out, { workers: 1 });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    expect(readFileSync(out)).toEqual(Buffer.from(g.data));
  });

  it('rejects a worker count that is not an integer 0..16', async () => {
    const g = await guarded(1000);
    for (const workers of [-1, 1.5, 17, Number.NaN]) {
      const r = await reconstructFile(g.manifest, g.nodes, fresh('out'), { workers });
      expect(!r.ok && r.error.field, String(workers)).toBe('workers');
      const v = await verifyFile(g.manifest, g.nodes, { workers });
      expect(!v.ok && v.error.field).toBe('workers');
      const s = await guardFile(fresh('missing'), { nodes: g.nodes, threshold: 2, workers });
      expect(!s.ok && s.error.field).toBe('workers');
    }
  });

  it('a dead worker makes run reject at once', async () => {
    const pool = new ChunkPool(1);
    try {
      await pool.broadcast({ kind: 'groups', groups: [] });
      await (
        pool as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }
      ).slots[0]!.worker.terminate();
      await new Promise((r) => setTimeout(r, 20));
      await expect(pool.broadcast({ kind: 'groups', groups: [] })).rejects.toThrow(/dead/);
      const task: ChunkTask = { kind: 'groups', groups: [] };
      await expect(pool.run(task)).rejects.toThrow(/no chunk worker is alive/);
    } finally {
      await pool.close();
    }
  });

  it('workers do not inherit main-thread-only flags', () => {
    expect(
      workerExecArgv([
        '--input-type=module',
        '--input-type',
        'module',
        '-e',
        'code',
        '--conditions=x',
        '--max-old-space-size=100',
        '--test',
      ]),
    ).toEqual(['--conditions=x', '--max-old-space-size=100']);
  });
});

describe('signing seed', () => {
  it('a seed that is not 32 bytes is refused before any blob is written', async () => {
    const input = fresh('in');
    writeFileSync(input, bytes(5000, 23));
    const nodes = [0, 1, 2].map(() => createDirectoryNode(fresh('node'), { fsync: false }));
    const r = await guardFile(input, {
      nodes,
      threshold: 2,
      workers: 0,
      signingSeed: new Uint8Array(31),
    });
    expect(!r.ok && r.error.field).toBe('signingSeed');
    for (const node of nodes) expect(await node.list()).toEqual([]);
  });

  it('when signing fails the written blobs are deleted', async () => {
    const input = fresh('in');
    writeFileSync(input, bytes(5000, 24));
    const nodes = [0, 1, 2].map(() => createDirectoryNode(fresh('node'), { fsync: false }));
    const spy = vi.spyOn(backend, 'ed25519Signer').mockImplementation(() => {
      throw new Error('no Ed25519');
    });
    const r = await guardFile(input, {
      nodes,
      threshold: 2,
      workers: 0,
      signingSeed: new Uint8Array(32).fill(7),
    });
    spy.mockRestore();
    expect(!r.ok && r.error.code).toBe('INVALID_CONFIG');
    for (const node of nodes) expect(await node.list()).toEqual([]);
  });
});

describe('in-flight memory is bounded by bytes', () => {
  it('inFlightChunks: worker-bound for small n, one chunk at n = 255 with 4 MiB chunks', () => {
    const MiB = 1024 * 1024;
    expect(inFlightChunks(2, 4 * MiB + 3 * 4 * MiB)).toBe(3);
    expect(inFlightChunks(4, 4 * MiB + 255 * 4 * MiB)).toBe(1);
    expect(inFlightChunks(0, 1)).toBe(2);
    expect(inFlightChunks(16, 64 * MiB)).toBe(4);
  });

  it('guardFile with 255 nodes keeps one chunk in flight', async () => {
    const input = fresh('in');
    writeFileSync(input, bytes(3 * 512 * 1024, 25));
    // Nodes that discard what they are sent: nothing large lands in /tmp.
    const nodes: StorageNodeLike[] = Array.from({ length: 255 }, (_, i) => ({
      id: `null${i}`,
      async put(_name, data) {
        for await (const _part of data);
      },
      async get() {
        return undefined;
      },
      async list() {
        return [];
      },
      async delete() {},
    }));
    const orig = ChunkPool.prototype.run;
    let inFlight = 0;
    let peak = 0;
    vi.spyOn(ChunkPool.prototype, 'run').mockImplementation(async function (
      this: ChunkPool,
      task: ChunkTask,
      transfer?: ArrayBuffer[],
    ) {
      inFlight++;
      peak = Math.max(peak, inFlight);
      try {
        return await orig.call(this, task, transfer);
      } finally {
        inFlight--;
      }
    } as typeof orig);
    const r = await guardFile(input, { nodes, threshold: 2, chunkSize: 512 * 1024, workers: 2 });
    expect(r.ok, JSON.stringify(!r.ok && r.error)).toBe(true);
    expect(peak).toBe(1);
  }, 60_000);
});
