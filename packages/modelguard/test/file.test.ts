import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type ModelWeightShare,
  nodeBlobName,
  nodeBlobOffsets,
  parseManifest,
  reconstructModel,
  serializeManifest,
} from '../src/index.js';
import { createDirectoryNode, guardFile, reconstructFile, verifyFile } from '../src/node/index.js';
import { bytes, forgeColluding, subsets } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'modelguard-file-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let seq = 0;
const fresh = (name: string) => join(root, `${name}-${seq++}`);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function guardTo(data: Uint8Array, n: number, k: number, chunkSize: number, workers = 0) {
  const input = fresh('in');
  writeFileSync(input, data);
  const dirs = Array.from({ length: n }, () => fresh('node'));
  const nodes = dirs.map((d) => createDirectoryNode(d, { fsync: false }));
  const r = await guardFile(input, { nodes, threshold: k, chunkSize, workers });
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return { input, dirs, nodes, ...r.value };
}

describe('guardFile / reconstructFile over directory nodes', () => {
  it('every 2-subset of 3 nodes restores the exact file (inline)', async () => {
    const data = bytes(10_000, 7);
    const g = await guardTo(data, 3, 2, 3000);
    expect(g.manifest.totalChunks).toBe(4);
    expect(g.manifest.tagListHash).toMatch(/^[0-9a-f]{64}$/);
    for (const subset of subsets(3, 2)) {
      const out = fresh('out');
      const r = await reconstructFile(
        g.manifest,
        subset.map((i) => g.nodes[i]!),
        out,
        { workers: 0 },
      );
      expect(r.ok, JSON.stringify(r)).toBe(true);
      expect(sha(readFileSync(out))).toBe(sha(data));
    }
  });

  it('restored file and node blobs are created owner-only (0600)', async () => {
    const g = await guardTo(bytes(5000, 14), 3, 2, 2000);
    const out = fresh('out');
    const r = await reconstructFile(g.manifest, g.nodes, out, { workers: 0 });
    expect(r.ok).toBe(true);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    for (let i = 0; i < 3; i++)
      expect(statSync(join(g.dirs[i]!, g.blobs[i]!)).mode & 0o777).toBe(0o600);
  });

  it('runs on worker threads and matches the inline result', async () => {
    const data = bytes(50_000, 8);
    const g = await guardTo(data, 3, 2, 4096, 2);
    const out = fresh('out');
    const r = await reconstructFile(g.manifest, [g.nodes[2]!, g.nodes[0]!], out, { workers: 2 });
    expect(r.ok && r.value.badNodes).toEqual([]);
    expect(readFileSync(out)).toEqual(Buffer.from(data));
  });

  it('one corrupted byte on one node: restore from all three succeeds and names it; verify too', async () => {
    const data = bytes(9_000, 9);
    const g = await guardTo(data, 3, 2, 2000);
    const blob = join(g.dirs[1]!, g.blobs[1]!);
    const raw = readFileSync(blob);
    raw[raw.length - 10]! ^= 0x01;
    writeFileSync(blob, raw);
    const out = fresh('out');
    const r = await reconstructFile(g.manifest, g.nodes, out, { workers: 0 });
    expect(r.ok && r.value.badNodes).toEqual([1]);
    expect(sha(readFileSync(out))).toBe(sha(data));
    const v = await verifyFile(g.manifest, g.nodes, { workers: 0 });
    expect(v.ok).toBe(true);
    if (v.ok) {
      expect(v.value.badNodes).toEqual([1]);
      expect(v.value.nodes.map((x) => x.state)).toEqual(['ok', 'bad', 'ok']);
      expect(v.value.nodes[1]!.badChunks).toEqual([4]);
      expect(v.value.recoverable).toBe(true);
    }
    // With only the bad node and one good node the chunk cannot be recovered: no file is left.
    const out2 = fresh('out');
    const r2 = await reconstructFile(g.manifest, [g.nodes[0]!, g.nodes[1]!], out2, { workers: 0 });
    expect(!r2.ok && r2.error.code).toBe('HMAC_FAILED');
    expect((await readdir(root)).some((f) => f.startsWith(out2.split('/').pop()!))).toBe(false);
  });

  it('crossCheck false reads k nodes and falls back to the third only when a chunk fails', async () => {
    const data = bytes(6_000, 11);
    const g = await guardTo(data, 3, 2, 2000);
    const blob = join(g.dirs[0]!, g.blobs[0]!);
    const raw = readFileSync(blob);
    raw[48 + 34 + 5]! ^= 0x04; // chunk 0 of node 0
    writeFileSync(blob, raw);
    const out = fresh('out');
    const r = await reconstructFile(g.manifest, g.nodes, out, { workers: 0, crossCheck: false });
    expect(r.ok && r.value.badNodes).toEqual([0]);
    expect(sha(readFileSync(out))).toBe(sha(data));
  });

  it('two colluding nodes (k=3) are named, not an honest one, in restore and verify', async () => {
    for (const n of [5, 4]) {
      const data = bytes(24, 15);
      const g = await guardTo(data, n, 3, 8); // 8-byte chunks: no padding check (see helper)
      const offsets = nodeBlobOffsets(
        g.manifest.chunks.map((c) => c.length),
        n,
      );
      const paths = g.dirs.map((d, i) => join(d, g.blobs[i]!));
      const raws = paths.map((p) => readFileSync(p));
      const row = raws.map((raw) => ({
        data: new Uint8Array(raw.subarray(offsets[0]!, offsets[1]!)),
      })) as unknown as ModelWeightShare[];
      const f = forgeColluding(row, 0, 1, 2);
      raws[0]!.set(f.a, offsets[0]!);
      raws[1]!.set(f.b, offsets[0]!);
      writeFileSync(paths[0]!, raws[0]!);
      writeFileSync(paths[1]!, raws[1]!);
      const out = fresh('out');
      const r = await reconstructFile(g.manifest, g.nodes, out, { workers: 0 });
      if (n === 5) {
        expect(r.ok && r.value.badNodes).toEqual([0, 1]);
        expect(sha(readFileSync(out))).toBe(sha(data));
      } else {
        expect(!r.ok && r.error.code).toBe('HMAC_FAILED');
        expect(!r.ok && r.error.badNodes).toEqual([0, 1]);
      }
      const v = await verifyFile(g.manifest, g.nodes, { workers: 0 });
      expect(v.ok && v.value.badNodes, String(n)).toEqual([0, 1]);
    }
  });

  it('a hostile node listed first with blobs named for other indices cannot shadow them', async () => {
    const data = bytes(9_000, 12);
    const g = await guardTo(data, 3, 2, 2000);
    const hostile = fresh('hostile');
    mkdirSync(hostile);
    // Index 1: a copy of node 1's blob with one share byte changed (header intact).
    const raw1 = readFileSync(join(g.dirs[1]!, g.blobs[1]!));
    raw1[48 + 34 + 3]! ^= 0x10;
    writeFileSync(join(hostile, g.blobs[1]!), raw1);
    // Index 2: junk with a bad header.
    writeFileSync(join(hostile, g.blobs[2]!), bytes(300, 5));
    const nodes = [createDirectoryNode(hostile), g.nodes[1]!, g.nodes[2]!];
    for (const crossCheck of [true, false]) {
      const out = fresh('out');
      const r = await reconstructFile(g.manifest, nodes, out, { workers: 0, crossCheck });
      expect(r.ok, JSON.stringify(r)).toBe(true);
      if (!r.ok) continue;
      expect(sha(readFileSync(out))).toBe(sha(data));
      expect(r.value.badNodes).toEqual([]);
      expect(r.value.rejectedClaims).toEqual([
        { index: 1, nodeId: hostile, source: 0, reason: 'DIGEST_MISMATCH', badChunks: 1 },
        { index: 2, nodeId: hostile, source: 0, reason: 'HEADER_MISMATCH', badChunks: 0 },
      ]);
    }
    const v = await verifyFile(g.manifest, nodes, { workers: 0 });
    expect(v.ok && v.value.recoverable).toBe(true);
    expect(v.ok && v.value.badNodes).toEqual([]);
    expect(v.ok && v.value.nodes.map((x) => x.id)).toEqual([undefined, g.dirs[1], g.dirs[2]]);
    expect(v.ok && v.value.rejectedClaims.map((c) => c.index)).toEqual([1, 2]);
  });

  it('node blobs written with node:crypto restore through the Web Crypto in-memory API', async () => {
    const data = bytes(7_000, 12);
    const g = await guardTo(data, 3, 2, 2000, 1);
    const lengths = g.manifest.chunks.map((c) => c.length);
    const offsets = nodeBlobOffsets(lengths, 3);
    const perNode = [0, 2].map((node) => {
      const blob = readFileSync(join(g.dirs[node]!, g.blobs[node]!));
      return g.manifest.chunks.map((c) => ({
        index: node,
        total: 3,
        threshold: 2,
        modelId: g.manifest.id,
        chunkId: `${g.manifest.id}:${c.index}`,
        chunkIndex: c.index,
        totalChunks: g.manifest.totalChunks,
        data: new Uint8Array(blob.subarray(offsets[c.index]!, offsets[c.index + 1]!)),
        originalSize: c.length,
      }));
    });
    const r = await reconstructModel(g.manifest, perNode);
    expect(r.ok && r.value.weights).toEqual(data);
  });

  it('fewer than k nodes -> INSUFFICIENT_SHARES', async () => {
    const g = await guardTo(bytes(5000), 3, 2, 2000);
    const r = await reconstructFile(g.manifest, [g.nodes[0]!], fresh('out'), { workers: 0 });
    expect(!r.ok && r.error.code).toBe('INSUFFICIENT_SHARES');
  });

  it('blobs swapped between two models -> INTEGRITY_FAILED', async () => {
    const a = await guardTo(bytes(5000, 1), 3, 2, 2000);
    const b = await guardTo(bytes(5000, 2), 3, 2, 2000);
    // Node 0 of model A gets model B's blob content under A's name (same sizes).
    writeFileSync(join(a.dirs[0]!, a.blobs[0]!), readFileSync(join(b.dirs[0]!, b.blobs[0]!)));
    writeFileSync(join(a.dirs[1]!, a.blobs[1]!), readFileSync(join(b.dirs[1]!, b.blobs[1]!)));
    const r = await reconstructFile(a.manifest, [a.nodes[0]!, a.nodes[1]!], fresh('out'), {
      workers: 0,
    });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.code).toBe('INSUFFICIENT_SHARES'); // headers name the other model
    // With the headers rewritten to model A, the chunk contents still give them away.
    for (const i of [0, 1]) {
      const path = join(a.dirs[i]!, a.blobs[i]!);
      const raw = readFileSync(path);
      raw.set(Buffer.from(a.manifest.id, 'hex'), 8);
      writeFileSync(path, raw);
    }
    const r2 = await reconstructFile(a.manifest, [a.nodes[0]!, a.nodes[1]!], fresh('out'), {
      workers: 0,
    });
    expect(!r2.ok && r2.error.code).toBe('INTEGRITY_FAILED');
    expect(!r2.ok && r2.error.subCode).toBe('FOREIGN_SHARE');
  });

  it('chunks reordered inside every node blob -> INTEGRITY_FAILED CHUNK_MISPLACED', async () => {
    const g = await guardTo(bytes(4000, 3), 3, 2, 2000); // two equal-size chunks
    const share = 34 + 2000;
    for (const i of [0, 2]) {
      const path = join(g.dirs[i]!, g.blobs[i]!);
      const raw = readFileSync(path);
      const c0 = Buffer.from(raw.subarray(48, 48 + share));
      raw.copy(raw, 48, 48 + share, 48 + 2 * share);
      c0.copy(raw, 48 + share);
      writeFileSync(path, raw);
    }
    const r = await reconstructFile(g.manifest, [g.nodes[0]!, g.nodes[2]!], fresh('out'), {
      workers: 0,
    });
    expect(!r.ok && r.error.code).toBe('INTEGRITY_FAILED');
    expect(!r.ok && r.error.subCode).toBe('CHUNK_MISPLACED');
  });

  it('zero-length file: INVALID_CONFIG on field path (as guardModel), nothing written', async () => {
    const input = fresh('in');
    writeFileSync(input, new Uint8Array(0));
    const dirs = [fresh('node'), fresh('node'), fresh('node')];
    for (const mode of ['ideal', 'compact'] as const) {
      const nodes = dirs.map((d) => createDirectoryNode(d, { fsync: false }));
      const r = await guardFile(input, { nodes, threshold: 2, workers: 0, mode });
      expect(!r.ok && [r.error.code, r.error.field]).toEqual(['INVALID_CONFIG', 'path']);
    }
    for (const d of dirs) expect(existsSync(d) ? readdirSync(d) : []).toEqual([]);
    // One byte is enough.
    writeFileSync(input, new Uint8Array([7]));
    const nodes = dirs.map((d) => createDirectoryNode(d, { fsync: false }));
    expect((await guardFile(input, { nodes, threshold: 2, workers: 0 })).ok).toBe(true);
  });

  it('the manifest survives JSON and a tampered signed manifest is refused', async () => {
    const g = await guardTo(bytes(3000), 3, 2, 2000);
    const parsed = parseManifest(serializeManifest(g.manifest));
    expect(parsed.ok && parsed.value).toEqual(g.manifest);
    const bad = parseManifest(
      serializeManifest(g.manifest).replace('"totalChunks": 2', '"totalChunks": 3'),
    );
    expect(!bad.ok && bad.error.code).toBe('MANIFEST_INVALID');
  });

  it('safetensors: header recorded in metadata and kept in its own chunk', async () => {
    const header = JSON.stringify({
      __metadata__: { format: 'pt' },
      'layer.weight': { dtype: 'F32', shape: [4, 8], data_offsets: [0, 128] },
      'layer.bias': { dtype: 'F32', shape: [8], data_offsets: [128, 160] },
    });
    const h = Buffer.from(header);
    const file = Buffer.alloc(8 + h.length + 160);
    file.writeUInt32LE(h.length, 0);
    h.copy(file, 8);
    bytes(160, 5).forEach((b, i) => {
      file[8 + h.length + i] = b;
    });
    const g = await guardTo(file, 3, 2, 64);
    const m = g.manifest.metadata;
    expect(m.format).toBe('safetensors');
    expect(m.safetensors?.tensors.map((t) => [t.name, t.dtype, t.shape])).toEqual([
      ['layer.weight', 'F32', [4, 8]],
      ['layer.bias', 'F32', [8]],
    ]);
    expect(m.safetensors?.metadata).toEqual({ format: 'pt' });
    expect(g.manifest.chunks[0]!.length).toBe(8 + h.length);
    expect(g.manifest.chunks[1]!.offset).toBe(8 + h.length);
    const out = fresh('out');
    expect((await reconstructFile(g.manifest, g.nodes, out, { workers: 0 })).ok).toBe(true);
    expect(readFileSync(out)).toEqual(file);
  });

  it('guardFile rejects metadata the manifest parser would refuse, before writing', async () => {
    const input = fresh('in');
    writeFileSync(input, bytes(3000, 13));
    const dirs = [0, 1, 2].map(() => fresh('node'));
    const nodes = dirs.map((d) => createDirectoryNode(d, { fsync: false }));
    for (const metadata of [
      { extra: 1 },
      { safetensors: { headerLength: 10, tensors: [] } },
      { format: 'tfjs' as const },
    ]) {
      const r = await guardFile(input, {
        nodes,
        threshold: 2,
        workers: 0,
        metadata: metadata as never,
      });
      expect(!r.ok && r.error.code, JSON.stringify(metadata)).toBe('INVALID_CONFIG');
      for (const node of nodes) expect(await node.list()).toEqual([]);
    }
  });

  it('bad config and missing input are rejected', async () => {
    const nodes = [createDirectoryNode(fresh('n')), createDirectoryNode(fresh('n'))];
    const r1 = await guardFile(fresh('missing'), { nodes, threshold: 2 });
    expect(!r1.ok && r1.error.code).toBe('FILE_FAILED');
    const input = fresh('in');
    writeFileSync(input, bytes(10));
    const r2 = await guardFile(input, { nodes, threshold: 3 });
    expect(!r2.ok && r2.error.field).toBe('threshold');
    const r3 = await guardFile(input, { nodes: [nodes[0]!], threshold: 2 });
    expect(!r3.ok && r3.error.code).toBe('INVALID_CONFIG');
    const r4 = await guardFile(input, { nodes, threshold: 2, tfjsWeightsManifest: { weights: 1 } });
    expect(!r4.ok && r4.error.field).toBe('tfjsWeightsManifest');
  });

  it('blob names are the documented ones', async () => {
    const g = await guardTo(bytes(100), 2, 2, 64);
    expect(g.blobs).toEqual([nodeBlobName(g.manifest.id, 0), nodeBlobName(g.manifest.id, 1)]);
    expect(await g.nodes[0]!.list()).toEqual([`${g.manifest.id}.node0.mgs`]);
  });
});

describe('offsets above 4 GiB', () => {
  it('DirectoryNode.get reads a range past 4 GiB of a sparse blob exactly', async () => {
    const dir = fresh('sparse');
    const node = createDirectoryNode(dir);
    await node.put('big.bin', (async function* () {})());
    const path = join(dir, 'big.bin');
    const pos = 4 * 2 ** 30 + 12_345; // above 2^32
    const fh = await open(path, 'r+');
    await fh.truncate(pos + 4096);
    await fh.write(Buffer.from('past-4GiB'), 0, 9, pos);
    await fh.close();
    const got = await node.get('big.bin', { offset: pos, length: 9 });
    expect(Buffer.from(got!).toString()).toBe('past-4GiB');
    // Hash a part that straddles the 4 GiB boundary: zeros then the marker.
    const part = await node.get('big.bin', { offset: pos - 100, length: 109 });
    expect(createHash('sha256').update(part!).digest('hex')).toBe(
      createHash('sha256')
        .update(Buffer.concat([Buffer.alloc(100), Buffer.from('past-4GiB')]))
        .digest('hex'),
    );
    rmSync(dir, { recursive: true, force: true });
  });
});
