import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeShare } from 'xorida';
import {
  guardModel,
  type ModelManifest,
  parseManifest,
  reconstructModel,
  serializeManifest,
  signManifest,
} from '../src/index.js';
import { createDirectoryNode, guardFile, reconstructFile, verifyFile } from '../src/node/index.js';
import { byNode, bytes, meta, subsets } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'modelguard-compact-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let seq = 0;
const fresh = (name: string) => join(root, `${name}-${seq++}`);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function guardTo(
  data: Uint8Array,
  n: number,
  k: number,
  chunkSize: number,
  mode: 'ideal' | 'compact' = 'compact',
  workers = 0,
) {
  const input = fresh('in');
  writeFileSync(input, data);
  const dirs = Array.from({ length: n }, () => fresh('node'));
  const nodes = dirs.map((d) => createDirectoryNode(d, { fsync: false }));
  const r = await guardFile(input, { nodes, threshold: k, chunkSize, workers, mode });
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return { input, dirs, nodes, ...r.value };
}

const stored = (dirs: string[]) =>
  dirs.reduce(
    (sum, d) => sum + readdirSync(d).reduce((s, f) => s + statSync(join(d, f)).size, 0),
    0,
  );

describe('compact mode, in memory', () => {
  it('every k-subset restores; shares are about 1/k of a chunk; the manifest records the mode', async () => {
    const data = bytes(20_000, 3);
    const r = await guardModel(data, meta(data.length), {
      storageNodes: 5,
      threshold: 3,
      chunkSize: 4096,
      mode: 'compact',
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const { manifest, shares, keyShares } = r.value;
    expect(manifest.version).toBe(5);
    expect(manifest.chunks[0]!.shareDigests).toBeUndefined();
    expect(manifest.chunks[0]!.shareTags).toHaveLength(5);
    expect(manifest.mode).toBe('compact');
    expect(keyShares).toHaveLength(5);
    const s0 = decodeShare(shares[0]![0]!.data);
    expect(s0.ok && s0.value.L).toBe(3);
    // 4096 + 16 sealed bytes over k = 3 shares of (p-1) = 4 pieces: 4 * ceil(4112 / 12) = 1372.
    expect(s0.ok && s0.value.payload.length).toBe(1372);
    expect(parseManifest(serializeManifest(manifest)).ok).toBe(true);
    for (const subset of subsets(5, 3)) {
      const back = await reconstructModel(manifest, byNode(shares, subset), {
        grouping: 'node',
        nodeIndices: subset,
        keyShares: keyShares!.map((s, i) => (subset.includes(i) ? s : undefined)),
      });
      expect(back.ok, JSON.stringify(subset)).toBe(true);
      if (back.ok) expect(sha(back.value.weights)).toBe(sha(data));
    }
  });

  it('without key shares, or with fewer than k good ones, it refuses and names the bad node', async () => {
    const data = bytes(5000, 4);
    const r = await guardModel(data, meta(data.length), {
      storageNodes: 3,
      threshold: 2,
      chunkSize: 1000,
      mode: 'compact',
    });
    if (!r.ok) throw new Error('guard');
    const { manifest, shares, keyShares } = r.value;
    const none = await reconstructModel(manifest, byNode(shares, [0, 1]));
    expect(!none.ok && none.error.code).toBe('INVALID_CONFIG');
    const forged = keyShares!.map((s) => s.slice());
    forged[1]![40]! ^= 1;
    const bad = await reconstructModel(manifest, byNode(shares, [0, 1]), {
      keyShares: [forged[0], forged[1], undefined],
    });
    expect(!bad.ok && bad.error.code).toBe('HMAC_FAILED');
    expect(!bad.ok && bad.error.badNodes).toEqual([1]);
    // With all three nodes the bad key share is routed around and named.
    const ok3 = await reconstructModel(manifest, byNode(shares, [0, 1, 2]), {
      keyShares: forged,
    });
    expect(ok3.ok && ok3.value.badNodes).toEqual([1]);
  });

  it('ideal stays the default: version 5, mode ideal, shares as large as the chunk', async () => {
    const data = bytes(3000, 5);
    const r = await guardModel(data, meta(data.length), { storageNodes: 3, threshold: 2 });
    if (!r.ok) throw new Error('guard');
    expect(r.value.manifest.version).toBe(5);
    expect(r.value.manifest.mode).toBe('ideal');
    expect(r.value.manifest.chunks[0]!.shareTags).toHaveLength(3);
    expect(r.value.manifest.shareTagKey).toHaveLength(64);
    expect(r.value.keyShares).toBeUndefined();
  });

  it('the manifest parser checks the version 4 and 5 fields', async () => {
    const data = bytes(3000, 6);
    const r = await guardModel(data, meta(data.length), {
      storageNodes: 3,
      threshold: 2,
      mode: 'compact',
    });
    if (!r.ok) throw new Error('guard');
    const m = r.value.manifest;
    const field = (x: unknown) => {
      const p = parseManifest(JSON.stringify(x));
      return p.ok ? 'ok' : p.error.field;
    };
    expect(field(m)).toBe('ok');
    expect(field({ ...m, mode: 'fast' })).toBe('mode');
    expect(field({ ...m, contentKey: undefined })).toBe('contentKey');
    expect(field({ ...m, version: 2 })).toBe('modelHash');
    expect(field({ ...m, version: 3 })).toBe('modelHash');
    expect(field({ ...m, modelHash: m.tagListHash })).toBe('modelHash');
    // Version 5 ideal mode needs a share tag key; version 4 ideal mode has share digests.
    expect(field({ ...m, mode: 'ideal', contentKey: undefined })).toBe('shareTagKey');
    expect(field({ ...m, version: 4, mode: 'ideal', contentKey: undefined })).toBe('chunks[0]');
    const c0 = m.chunks[0]!;
    const shortTags = { ...c0, shareTags: c0.shareTags!.slice(1) };
    expect(field({ ...m, chunks: [shortTags, ...m.chunks.slice(1)] })).toBe('chunks[0].shareTags');
    // Ideal mode has a share tag key and 64-hex share tags, not 32-hex GMAC tags.
    expect(field({ ...m, mode: 'ideal' })).toBe('shareTagKey');
    expect(field({ ...m, mode: 'ideal', shareTagKey: '00'.repeat(32) })).toBe(
      'chunks[0].shareTags',
    );
    expect(field({ ...m, shareTagKey: '00'.repeat(32) })).toBe('shareTagKey');
    expect(
      field({
        ...m,
        contentKey: { ...m.contentKey!, shareDigests: m.contentKey!.shareDigests.slice(1) },
      }),
    ).toBe('contentKey.shareDigests');
    expect(field({ ...m, contentKey: { ...m.contentKey!, groupId: m.chunks[0]!.groupId } })).toBe(
      'contentKey.groupId',
    );
  });
});

describe('compact mode, streaming over directory nodes', () => {
  it('stores 2-of-3 in at most 1.55x and 3-of-5 in at most 1.7x the model bytes', async () => {
    const data = bytes(3 * 1024 * 1024 + 123, 8);
    const a = await guardTo(data, 3, 2, 1024 * 1024);
    const b = await guardTo(data, 5, 3, 1024 * 1024);
    const ideal = await guardTo(data, 3, 2, 1024 * 1024, 'ideal');
    const ra = stored(a.dirs) / data.length;
    const rb = stored(b.dirs) / data.length;
    expect(ra).toBeLessThanOrEqual(1.55);
    expect(rb).toBeLessThanOrEqual(1.7);
    expect(stored(ideal.dirs) / data.length).toBeGreaterThan(3);
    for (const g of [a, b]) {
      const out = fresh('out');
      const r = await reconstructFile(g.manifest, g.nodes, out, { workers: 0 });
      expect(r.ok, JSON.stringify(r)).toBe(true);
      expect(sha(readFileSync(out))).toBe(sha(data));
    }
  });

  it('blobs agree with the in-memory API: the same sizes, and every k-subset restores (workers)', async () => {
    const data = bytes(50_000, 9);
    const g = await guardTo(data, 4, 3, 7000, 'compact', 2);
    expect(g.manifest.mode).toBe('compact');
    for (const [j, subset] of subsets(4, 3).entries()) {
      const out = fresh('out');
      const r = await reconstructFile(
        g.manifest,
        subset.map((i) => g.nodes[i]!),
        out,
        { workers: j === 0 ? 2 : 0 },
      );
      expect(r.ok, JSON.stringify(r)).toBe(true);
      expect(sha(readFileSync(out))).toBe(sha(data));
    }
  });

  it('a corrupted chunk share or key share is named, and restore routes around it', async () => {
    const data = bytes(30_000, 10);
    for (const where of ['chunk', 'key'] as const) {
      const g = await guardTo(data, 3, 2, 4000);
      const path = join(g.dirs[1]!, g.blobs[1]!);
      const blob = readFileSync(path);
      blob[where === 'key' ? 60 : blob.length - 10]! ^= 0xff;
      writeFileSync(path, blob);
      const out = fresh('out');
      const r = await reconstructFile(g.manifest, g.nodes, out, { workers: 0 });
      expect(r.ok && r.value.badNodes, where).toEqual([1]);
      expect(sha(readFileSync(out))).toBe(sha(data));
      const v = await verifyFile(g.manifest, g.nodes, { workers: 0 });
      expect(v.ok && v.value.badNodes, where).toEqual([1]);
      expect(v.ok && v.value.recoverable).toBe(true);
      // Without a third node the corruption cannot be routed around: a clear failure.
      const two = await reconstructFile(g.manifest, [g.nodes[0]!, g.nodes[1]!], fresh('out'), {
        workers: 0,
      });
      expect(!two.ok && two.error.badNodes, where).toEqual([1]);
    }
  });

  it('a signed compact manifest verifies, and an edited one does not', async () => {
    const g = await guardTo(bytes(9000, 11), 3, 2, 3000);
    const seed = new Uint8Array(32).fill(7);
    const signed = await signManifest(g.manifest, seed);
    if (!signed.ok) throw new Error('sign');
    const pub = signed.value.signature!.publicKey;
    const key = Uint8Array.from(Buffer.from(pub, 'hex'));
    const good = await verifyFile(signed.value, g.nodes, { workers: 0, trustedPublicKey: key });
    expect(good.ok && good.value.recoverable).toBe(true);
    const edited: ModelManifest = { ...signed.value, createdAt: '2000-01-01T00:00:00.000Z' };
    const bad = await verifyFile(JSON.parse(JSON.stringify(edited)), g.nodes, {
      workers: 0,
      trustedPublicKey: key,
    });
    expect(!bad.ok && bad.error.code).toBe('INTEGRITY_FAILED');
    // Switching the mode is refused earlier: version 4 ideal mode needs share digests.
    const ideal: ModelManifest = { ...signed.value, mode: 'ideal', contentKey: undefined };
    const refused = await verifyFile(JSON.parse(JSON.stringify(ideal)), g.nodes, {
      workers: 0,
      trustedPublicKey: key,
    });
    expect(!refused.ok && refused.error.code).toBe('MANIFEST_INVALID');
  });
});
