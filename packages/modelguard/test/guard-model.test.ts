import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from 'xorida';
import {
  checkManifest,
  guardModel,
  type ModelWeightShare,
  parseManifest,
  reconstructModel,
  serializeManifest,
  signManifest,
} from '../src/index.js';
import { tagListHash } from '../src/lib/tag-list.js';
import { byNode, bytes, forgeColluding, meta, subsets } from './helpers.js';

async function guard(size: number, n: number, k: number, chunkSize = 1000, seed = 1) {
  const weights = bytes(size, seed);
  const r = await guardModel(weights, meta(size), { storageNodes: n, threshold: k, chunkSize });
  if (!r.ok) throw new Error(r.error.message);
  return { weights, ...r.value };
}

function withData(s: ModelWeightShare, data: Uint8Array): ModelWeightShare {
  return { ...s, data };
}

describe('guardModel / reconstructModel round trips', () => {
  for (const [k, n] of [
    [2, 3],
    [3, 5],
    [2, 2],
  ] as const) {
    it(`every ${k}-subset of ${n} nodes restores`, async () => {
      const { weights, manifest, shares } = await guard(3500, n, k);
      expect(manifest.totalChunks).toBe(4);
      expect(shares.length).toBe(4);
      expect(shares[0]!.length).toBe(n);
      for (const subset of subsets(n, k)) {
        const r = await reconstructModel(manifest, byNode(shares, subset));
        expect(r.ok, JSON.stringify(subset)).toBe(true);
        if (r.ok) {
          expect(r.value.weights).toEqual(weights);
          expect(r.value.badNodes).toEqual([]);
        }
      }
    });
  }

  it('accepts the per-chunk grouping of guardModel as input too', async () => {
    const { weights, manifest, shares } = await guard(2500, 3, 2);
    const r = await reconstructModel(manifest, shares);
    expect(r.ok && r.value.weights).toEqual(weights);
  });

  it('no share set of fewer than k nodes reveals the chunk (shares differ from the plaintext)', async () => {
    const { weights, shares } = await guard(1000, 3, 2, 1000);
    const payload = shares[0]![1]!.data.subarray(34, 34 + 1000);
    expect(payload).not.toEqual(weights);
  });

  it('fewer than k nodes -> INSUFFICIENT_SHARES', async () => {
    const { manifest, shares } = await guard(2500, 5, 3);
    const r = await reconstructModel(manifest, byNode(shares, [1, 4]));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('INSUFFICIENT_SHARES');
  });

  it('empty weights -> INVALID_CONFIG on field weights, no shares', async () => {
    const r = await guardModel(new Uint8Array(0), meta(0), {
      storageNodes: 3,
      threshold: 2,
    });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('INVALID_CONFIG');
      expect(r.error.field).toBe('weights');
    }
  });

  it('parseManifest returns MANIFEST_INVALID for any non-object, never throws', () => {
    const inputs: unknown[] = [null, undefined, [], [1, 2], 42, 0, true, {}, () => 1];
    for (const v of inputs) {
      const r = parseManifest(v as string);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('MANIFEST_INVALID');
    }
    for (const text of ['null', '[]', '7', '"x"', 'true']) {
      const r = parseManifest(text);
      expect(r.ok ? 'ok' : r.error.code).toBe('MANIFEST_INVALID');
    }
  });

  it('the default chunk size is 4 MiB', async () => {
    const size = 4 * 1024 * 1024 + 5;
    const r = await guardModel(bytes(size), meta(size), { storageNodes: 3, threshold: 2 });
    expect(r.ok && r.value.manifest.chunks.map((c) => c.length)).toEqual([4 * 1024 * 1024, 5]);
  });
});

describe('bad config', () => {
  const w = bytes(100);
  for (const [name, cfg] of [
    ['threshold 1', { storageNodes: 3, threshold: 1 }],
    ['threshold > nodes', { storageNodes: 3, threshold: 4 }],
    ['one node', { storageNodes: 1, threshold: 1 }],
    ['256 nodes', { storageNodes: 256, threshold: 2 }],
    ['chunkSize 0', { storageNodes: 3, threshold: 2, chunkSize: 0 }],
    ['chunkSize fractional', { storageNodes: 3, threshold: 2, chunkSize: 1.5 }],
    ['chunkSize above 64 MiB', { storageNodes: 3, threshold: 2, chunkSize: 64 * 1024 * 1024 + 1 }],
  ] as const) {
    it(`rejects ${name}`, async () => {
      const r = await guardModel(w, meta(100), cfg);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('INVALID_CONFIG');
    });
  }
  it('rejects metadata whose modelSize differs from the input', async () => {
    const r = await guardModel(w, meta(99), { storageNodes: 3, threshold: 2 });
    expect(!r.ok && r.error.field).toBe('metadata.modelSize');
  });
  it('rejects metadata its own manifest parser would refuse', async () => {
    const cfg = { storageNodes: 3, threshold: 2 };
    const base = meta(100);
    const tf = { weightsManifest: [{ paths: ['a.bin'], weights: [] }] };
    const cases: [string, Record<string, unknown>][] = [
      ['metadata.extra', { extra: 1 }],
      [
        'metadata.safetensors',
        { format: 'safetensors', safetensors: { headerLength: 10, tensors: [] } },
      ],
      ['metadata.safetensors', { safetensors: { headerLength: 10, tensors: [] } }],
      ['metadata.tfjs', { format: 'tfjs' }],
      ['metadata.tfjs.weightsManifest', { tfjs: { weightsManifest: [{ paths: 3 }] } }],
      ['metadata.tfjs', { tfjs: { ...tf, extra: true } }],
    ];
    for (const [field, extra] of cases) {
      const r = await guardModel(bytes(100), { ...base, ...extra } as typeof base, cfg);
      expect(r.ok, field).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('INVALID_CONFIG');
        expect(r.error.field, JSON.stringify(extra)).toBe(field);
      }
    }
    // Accepted metadata always gives a manifest that parses back.
    const g = await guardModel(bytes(100), { ...base, tfjs: tf }, cfg);
    expect(g.ok).toBe(true);
    if (g.ok) expect(parseManifest(serializeManifest(g.value.manifest)).ok).toBe(true);
  });

  it('rejects non-bytes weights', async () => {
    const r = await guardModel('abc' as unknown as Uint8Array, meta(3), {
      storageNodes: 3,
      threshold: 2,
    });
    expect(!r.ok && r.error.field).toBe('weights');
  });
});

describe('tampered shares', () => {
  it('a flipped byte on one of three nodes is routed around and named', async () => {
    const { weights, manifest, shares } = await guard(3500, 3, 2);
    const nodes = byNode(shares, [0, 1, 2]);
    const d = nodes[0]![2]!.data.slice();
    d[100]! ^= 0x01;
    nodes[0]![2] = withData(nodes[0]![2]!, d);
    const r = await reconstructModel(manifest, nodes);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value.weights).toEqual(weights);
      expect(r.value.badNodes).toEqual([0]);
    }
  });

  it('a truncated share is malformed, routed around and named', async () => {
    const { weights, manifest, shares } = await guard(2500, 3, 2);
    const nodes = byNode(shares, [0, 1, 2]);
    nodes[1]![0] = withData(nodes[1]![0]!, nodes[1]![0]!.data.subarray(0, 50));
    const r = await reconstructModel(manifest, nodes);
    expect(r.ok && r.value.weights).toEqual(weights);
    expect(r.ok && r.value.badNodes).toEqual([1]);
  });

  it('with exactly k nodes a tampered share -> HMAC_FAILED', async () => {
    const { manifest, shares } = await guard(2500, 3, 2);
    const nodes = byNode(shares, [0, 2]);
    const d = nodes[1]![1]!.data.slice();
    d[d.length - 1]! ^= 0x80;
    nodes[1]![1] = withData(nodes[1]![1]!, d);
    const r = await reconstructModel(manifest, nodes);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('HMAC_FAILED');
      expect(r.error.chunkIndex).toBe(1);
    }
  });

  it('two of three nodes tampered in the same chunk -> HMAC_FAILED', async () => {
    const { manifest, shares } = await guard(2500, 3, 2);
    const nodes = byNode(shares, [0, 1, 2]);
    for (const node of [0, 2]) {
      const d = nodes[node]![0]!.data.slice();
      d[40 + node]! ^= 0xff; // different bytes: equal flips could cancel in the XOR
      nodes[node]![0] = withData(nodes[node]![0]!, d);
    }
    const r = await reconstructModel(manifest, nodes);
    expect(!r.ok && r.error.code).toBe('HMAC_FAILED');
  });
});

describe('colluding nodes (linear shares)', () => {
  // Nodes 0 and 1 alter their shares of chunk 0 so that {0, 1, 2} still reconstructs the right
  // chunk (xorida is linear). Version 1 manifests then blamed an honest node; share digests
  // name the colluders.
  async function attacked(n: number) {
    const g = await guard(24, n, 3, 8); // 8-byte chunks: a multiple of p-1, no padding check
    const nodes = byNode(
      g.shares,
      Array.from({ length: n }, (_, i) => i),
    );
    const f = forgeColluding(g.shares[0]!, 0, 1, 2);
    nodes[0]![0] = withData(nodes[0]![0]!, f.a);
    nodes[1]![0] = withData(nodes[1]![0]!, f.b);
    return { ...g, nodes };
  }

  it('k=3, n=5: the two colluders are named, the model restores from the honest three', async () => {
    const { weights, manifest, nodes } = await attacked(5);
    const r = await reconstructModel(manifest, nodes);
    expect(r.ok && r.value.badNodes).toEqual([0, 1]);
    expect(r.ok && r.value.weights).toEqual(weights);
  });

  it('k=3, n=4: restore fails and names the colluders, not the honest node 3', async () => {
    const { manifest, nodes } = await attacked(4);
    const r = await reconstructModel(manifest, nodes);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('HMAC_FAILED');
      expect(r.error.chunkIndex).toBe(0);
      expect(r.error.badNodes).toEqual([0, 1]);
    }
  });
});

describe('index claims', () => {
  it("one node's array claiming other nodes' slots cannot take them over", async () => {
    const { weights, manifest, shares } = await guard(3500, 3, 2);
    const genuine = byNode(shares, [0, 1, 2]);
    // The hostile array comes first and offers forged shares for indices 1 and 2.
    const forged = shares.flatMap((row) =>
      [1, 2].map((i) => {
        const d = row[i]!.data.slice();
        d[40]! ^= 0x01;
        return withData(row[i]!, d);
      }),
    );
    const r = await reconstructModel(manifest, [forged, genuine[1]!, genuine[2]!]);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value.weights).toEqual(weights);
      expect(r.value.badNodes).toEqual([]);
      expect(r.value.rejectedClaims.length).toBe(8);
      expect(
        r.value.rejectedClaims.every((c) => c.source === 0 && c.reason === 'DIGEST_MISMATCH'),
      ).toBe(true);
    }
    // grouping 'node': array position is the node index; the shares claiming 1 and 2 are dropped.
    const byPos = await reconstructModel(manifest, [forged, genuine[1]!, genuine[2]!], {
      grouping: 'node',
    });
    expect(byPos.ok && byPos.value.weights).toEqual(weights);
    expect(byPos.ok && byPos.value.rejectedClaims.every((c) => c.reason === 'WRONG_INDEX')).toBe(
      true,
    );
    const sub = await reconstructModel(manifest, [genuine[0]!, genuine[2]!], {
      grouping: 'node',
      nodeIndices: [0, 2],
    });
    expect(sub.ok && sub.value.weights).toEqual(weights);
    const bad = await reconstructModel(manifest, [genuine[0]!], {
      grouping: 'node',
      nodeIndices: [7],
    });
    expect(!bad.ok && bad.error.field).toBe('nodeIndices');
  });
});

describe('reordering and swapping', () => {
  it('chunks reordered on every node -> INTEGRITY_FAILED', async () => {
    const { manifest, shares } = await guard(2500, 3, 2);
    const nodes = byNode(shares, [0, 1, 2]).map((list) => {
      const [a, b, c] = list;
      // The node returns chunk 1's data under chunk 0's index and vice versa.
      return [withData(a!, b!.data), withData(b!, a!.data), c!];
    });
    const r = await reconstructModel(manifest, nodes);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('INTEGRITY_FAILED');
      expect(r.error.subCode).toBe('CHUNK_MISPLACED');
    }
  });

  it('a chunk swapped in from another model -> INTEGRITY_FAILED', async () => {
    const a = await guard(2500, 3, 2, 1000, 1);
    const b = await guard(2500, 3, 2, 1000, 2);
    const nodes = byNode(a.shares, [0, 1]);
    nodes[0]![1] = withData(nodes[0]![1]!, b.shares[1]![0]!.data);
    nodes[1]![1] = withData(nodes[1]![1]!, b.shares[1]![1]!.data);
    const r = await reconstructModel(a.manifest, nodes);
    expect(!r.ok && r.error.code).toBe('INTEGRITY_FAILED');
    expect(!r.ok && r.error.subCode).toBe('FOREIGN_SHARE');
  });

  it('a swapped chunk on one node of three is routed around', async () => {
    const a = await guard(2500, 3, 2, 1000, 1);
    const b = await guard(2500, 3, 2, 1000, 2);
    const nodes = byNode(a.shares, [0, 1, 2]);
    nodes[2]![0] = withData(nodes[2]![0]!, b.shares[0]![2]!.data);
    const r = await reconstructModel(a.manifest, nodes);
    expect(r.ok && r.value.badNodes).toEqual([2]);
    expect(r.ok && r.value.weights).toEqual(a.weights);
  });
});

describe('manifest tampering', () => {
  it('changed tagListHash, or a tag without it -> MANIFEST_INVALID tagListHash', async () => {
    const { manifest, shares } = await guard(2500, 3, 2);
    const bad = { ...manifest, tagListHash: '00'.repeat(32) };
    const r = await reconstructModel(bad, byNode(shares, [0, 1]));
    expect(!r.ok && r.error.field).toBe('tagListHash');
    const chunks = manifest.chunks.map((c, i) => (i === 2 ? { ...c, tag: 'ab'.repeat(32) } : c));
    const t = await reconstructModel({ ...manifest, chunks }, byNode(shares, [0, 1]));
    expect(!t.ok && t.error.field).toBe('tagListHash');
  });

  it('changed chunk tag (tag list hash recomputed) -> HMAC_FAILED on that chunk', async () => {
    const { manifest, shares } = await guard(2500, 3, 2);
    const chunks = manifest.chunks.map((c, i) => (i === 2 ? { ...c, tag: 'ab'.repeat(32) } : c));
    const tags = chunks.map((c) => hexToBytes(c.tag));
    const list = bytesToHex(tagListHash(hexToBytes(manifest.id), manifest.modelSize, tags));
    const edited = { ...manifest, chunks, tagListHash: list };
    const r = await reconstructModel(edited, byNode(shares, [0, 1, 2]));
    expect(!r.ok && r.error.code).toBe('HMAC_FAILED');
    expect(!r.ok && r.error.chunkIndex).toBe(2);
  });

  it('signed manifest: verifies with the owner key, any edit or other key fails', async () => {
    const { weights, manifest, shares } = await guard(2500, 3, 2);
    const seed = bytes(32, 99);
    const signed = await signManifest(manifest, seed);
    if (!signed.ok) throw new Error(signed.error.message);
    const other = await signManifest(manifest, bytes(32, 100));
    if (!other.ok) throw new Error(other.error.message);
    const pub = Uint8Array.from(Buffer.from(signed.value.signature!.publicKey, 'hex'));
    const nodes = byNode(shares, [0, 2]);
    const good = await reconstructModel(signed.value, nodes, { trustedPublicKey: pub });
    expect(good.ok && good.value.weights).toEqual(weights);
    // Round trip through JSON keeps the signature valid.
    const parsed = parseManifest(serializeManifest(signed.value));
    expect(parsed.ok).toBe(true);
    if (parsed.ok)
      expect((await reconstructModel(parsed.value, nodes, { trustedPublicKey: pub })).ok).toBe(
        true,
      );
    const edited = { ...signed.value, metadata: { ...signed.value.metadata, name: 'evil' } };
    const r1 = await reconstructModel(edited, nodes, { trustedPublicKey: pub });
    expect(!r1.ok && r1.error.subCode).toBe('SIGNATURE_INVALID');
    const r2 = await reconstructModel(other.value, nodes, { trustedPublicKey: pub });
    expect(!r2.ok && r2.error.subCode).toBe('UNTRUSTED_KEY');
    const r3 = await reconstructModel(manifest, nodes, { trustedPublicKey: pub });
    expect(!r3.ok && r3.error.subCode).toBe('UNSIGNED');
  });
});

describe('strict manifest parsing', () => {
  it('checks metadata sections strictly (unknown keys, bounds, format consistency)', async () => {
    const { manifest } = await guard(2500, 3, 2);
    const tensor = { name: 'w', dtype: 'F32', shape: [2], dataOffsets: [0, 8] };
    const st = { headerLength: 10, tensors: [tensor] };
    const withMeta = (metadata: Record<string, unknown>) => ({
      ...manifest,
      metadata: { ...manifest.metadata, ...metadata },
    });
    expect(checkManifest(withMeta({ format: 'safetensors', safetensors: st })).ok).toBe(true);
    const tf = { weightsManifest: [{ paths: ['a.bin'], weights: [] }] };
    expect(checkManifest(withMeta({ format: 'tfjs', tfjs: tf })).ok).toBe(true);
    const cases: [string, Record<string, unknown>][] = [
      ['metadata.safetensors', { format: 'safetensors', safetensors: { ...st, extra: 1 } }],
      [
        'metadata.safetensors.tensors[0]',
        { format: 'safetensors', safetensors: { ...st, tensors: [{ ...tensor, x: 1 }] } },
      ],
      [
        'metadata.safetensors.tensors[0].name',
        {
          format: 'safetensors',
          safetensors: { ...st, tensors: [{ ...tensor, name: 'n'.repeat(1025) }] },
        },
      ],
      [
        'metadata.safetensors.tensors[0].dataOffsets',
        {
          format: 'safetensors',
          safetensors: { ...st, tensors: [{ ...tensor, dataOffsets: [8, 4] }] },
        },
      ],
      [
        'metadata.safetensors.tensors[0].dataOffsets',
        {
          format: 'safetensors',
          safetensors: { ...st, tensors: [{ ...tensor, dataOffsets: [0, 2483] }] },
        },
      ],
      ['metadata.tfjs', { format: 'tfjs', tfjs: { ...tf, extra: 1 } }],
      [
        'metadata.tfjs.weightsManifest',
        { format: 'tfjs', tfjs: { weightsManifest: [{ paths: 1 }] } },
      ],
      ['metadata.safetensors', { format: 'safetensors' }],
      ['metadata.tfjs', { format: 'tfjs' }],
      ['metadata.format', { format: 'raw', tfjs: tf }],
      ['metadata.format', { format: 'tfjs', tfjs: tf, safetensors: st }],
    ];
    for (const [field, metadata] of cases) {
      const r = checkManifest(withMeta(metadata));
      expect(r.ok, field).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('MANIFEST_INVALID');
        expect(r.error.field, JSON.stringify(metadata).slice(0, 80)).toBe(field);
      }
    }
  });

  it('rejects unknown keys, broken offsets, bad hex and bad JSON with MANIFEST_INVALID', async () => {
    const { manifest } = await guard(2500, 3, 2);
    const text = serializeManifest(manifest);
    const cases: [string, string][] = [
      ['extra', text.replace('"format":', '"extra": 1, "format":')],
      ['chunks[1].offset', text.replace('"offset": 1000', '"offset": 1001')],
      ['tagListHash', text.replace(manifest.tagListHash!, manifest.tagListHash!.toUpperCase())],
      ['config.threshold', text.replace('"threshold": 2', '"threshold": 4')],
      ['(root)', text.slice(0, -3)],
      ['version', text.replace('"version": 5', '"version": 6')],
      ['modelHash', text.replace('"version": 5', '"version": 3')],
      ['version', text.replace('"version": 5', '"version": 1')],
      ['chunks[0].shareTags', text.replace(manifest.chunks[0]!.shareTags![1]!, 'ab')],
      ['shareTagKey', text.replace(manifest.shareTagKey!, 'ab')],
      // Version 4 ideal mode has SHA-256 share digests and no share tag key.
      ['shareTagKey', text.replace('"version": 5', '"version": 4')],
    ];
    for (const [field, bad] of cases) {
      const r = parseManifest(bad);
      expect(r.ok, field).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('MANIFEST_INVALID');
        expect(r.error.field).toBe(field);
      }
    }
    expect(parseManifest(text).ok).toBe(true);
  });
});
