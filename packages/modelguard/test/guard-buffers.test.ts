// guardFile's buffers (guard-buffers.ts): ideal mode shares SharedArrayBuffer slots with the
// workers only when every node accepts shared views; slots are reused across many chunks; a
// node failing while guard waits for a slot ends with STORAGE_FAILED instead of hanging.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StorageNode } from '../src/index.js';
import { createDirectoryNode, guardFile, reconstructFile } from '../src/node/index.js';
import { bytes } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'modelguard-gbufs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
let seq = 0;

/** A directory node that records whether `put` saw SharedArrayBuffer-backed chunks. */
function recording(acceptsShared: boolean, failAfter = Number.POSITIVE_INFINITY) {
  const dir = join(root, `n${seq++}`);
  const inner = createDirectoryNode(dir, { fsync: false });
  const seen = { shared: 0, plain: 0 };
  const node: StorageNode = {
    ...inner,
    acceptsShared,
    async put(name, data) {
      let count = 0;
      async function* watch() {
        for await (const b of data) {
          if (++count > failAfter) throw new Error('disk full');
          if (b.buffer instanceof SharedArrayBuffer) seen.shared++;
          else seen.plain++;
          yield b;
        }
      }
      await inner.put(name, watch());
    },
  };
  return { node, seen };
}

describe('guardFile buffers', () => {
  const data = bytes(100_000, 21);
  const input = join(root, 'in.bin');
  writeFileSync(input, data);

  for (const workers of [0, 2])
    it(`ideal mode shares slots with the workers (workers ${workers}), reused over many chunks`, async () => {
      const nodes = [0, 1, 2].map(() => recording(true));
      const r = await guardFile(input, {
        nodes: nodes.map((x) => x.node),
        threshold: 2,
        chunkSize: 4000,
        workers,
      });
      if (!r.ok) throw new Error(r.error.message);
      expect(r.value.manifest.totalChunks).toBe(25);
      // Every chunk share went through a slot (header and nothing else is plain).
      for (const x of nodes) expect(x.seen).toEqual({ shared: 25, plain: 1 });
      const out = join(root, `out-${workers}.bin`);
      const back = await reconstructFile(r.value.manifest, [nodes[0]!.node, nodes[2]!.node], out);
      expect(back.ok, JSON.stringify(back)).toBe(true);
      expect(sha(readFileSync(out))).toBe(sha(data));
    });

  it('a node that does not accept shared views gets plain buffers; compact never uses slots', async () => {
    for (const [mode, accepts] of [
      ['ideal', false],
      ['compact', true],
    ] as const) {
      const nodes = [0, 1, 2].map((i) => recording(i === 1 ? accepts : true));
      const r = await guardFile(input, {
        nodes: nodes.map((x) => x.node),
        threshold: 2,
        chunkSize: 4000,
        workers: 2,
        mode,
      });
      if (!r.ok) throw new Error(r.error.message);
      for (const x of nodes) expect(x.seen.shared, mode).toBe(0);
      const out = join(root, `out-${mode}.bin`);
      const back = await reconstructFile(r.value.manifest, [nodes[1]!.node, nodes[2]!.node], out);
      expect(back.ok, JSON.stringify(back)).toBe(true);
      expect(sha(readFileSync(out))).toBe(sha(data));
    }
  });

  it('a node failing while guard waits for a slot gives STORAGE_FAILED, no hang', async () => {
    const nodes = [0, 1, 2].map((i) => recording(true, i === 2 ? 3 : Number.POSITIVE_INFINITY));
    const r = await guardFile(input, {
      nodes: nodes.map((x) => x.node),
      threshold: 2,
      chunkSize: 4000,
      workers: 2,
    });
    expect(!r.ok && r.error.code).toBe('STORAGE_FAILED');
    expect(!r.ok && r.error.badNodes).toEqual([2]);
  });
});
