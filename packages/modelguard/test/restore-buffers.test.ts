// Restore recycles its share read buffers (StorageNode.get's `into`): fewer fresh allocations,
// the same bytes restored, and a node that ignores `into` or corrupts a share still works.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StorageNode } from '../src/index.js';
import { createDirectoryNode, guardFile, reconstructFile } from '../src/node/index.js';
import { bytes } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'modelguard-bufs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('restore share buffers', () => {
  it('are reused across chunks (inline), aligned, and the file restores exactly', async () => {
    const data = bytes(40_000, 11);
    const input = join(root, 'in.bin');
    writeFileSync(input, data);
    const dirs = [0, 1, 2].map((i) => join(root, `n${i}`));
    const nodes = dirs.map((d) => createDirectoryNode(d, { fsync: false }));
    const g = await guardFile(input, { nodes, threshold: 2, chunkSize: 4000, workers: 0 });
    if (!g.ok) throw new Error(g.error.message);
    expect(g.value.manifest.totalChunks).toBe(10);
    const seen = new Set<Uint8Array>();
    let calls = 0;
    let shared = 0;
    const spy = (n: StorageNode): StorageNode => ({
      ...n,
      get: (name, range, into) => {
        if (range && into) {
          calls++;
          seen.add(into);
          // Ideal mode: shared with the workers (nothing transferred per chunk).
          if (into.buffer instanceof SharedArrayBuffer) shared++;
          // The IDA5 payload (after 34 header bytes) is 8-byte aligned: no copy to recover.
          expect((into.byteOffset + 34) % 8).toBe(0);
        }
        return n.get(name, range, into);
      },
    });
    const out = join(root, 'out.bin');
    const r = await reconstructFile(g.value.manifest, [spy(nodes[0]!), spy(nodes[2]!)], out, {
      workers: 0,
    });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    expect(sha(readFileSync(out))).toBe(sha(data));
    expect(calls).toBe(20);
    expect(seen.size).toBeLessThan(calls / 2);
    expect(shared).toBe(calls);

    // A node that ignores `into` (fresh bytes) and one that flips a byte in what it returns.
    const fresh: StorageNode = { ...nodes[1]!, get: (name, range) => nodes[1]!.get(name, range) };
    const flips: StorageNode = {
      ...nodes[0]!,
      get: async (name, range, into) => {
        const b = await nodes[0]!.get(name, range, into);
        if (b && range && range.offset > 48 && range.offset < 10_000) b[b.length - 1]! ^= 1;
        return b;
      },
    };
    for (const workers of [0, 2]) {
      const out2 = join(root, `out-${workers}.bin`);
      const r2 = await reconstructFile(g.value.manifest, [flips, fresh, nodes[2]!], out2, {
        workers,
      });
      expect(r2.ok && r2.value.badNodes, JSON.stringify(r2)).toEqual([0]);
      expect(sha(readFileSync(out2))).toBe(sha(data));
    }
  });
});
