// Manifest version 5 (docs/formats.md "Manifest version 5"): the ideal-mode share tag against
// an independent node:crypto computation, bad-node naming with share tags, and version 4 ideal
// manifests (SHA-256 share digests) still read.
import { createCipheriv, createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from 'xorida';
import {
  guardModel,
  type ModelManifest,
  parseManifest,
  reconstructModel,
  serializeManifest,
} from '../src/index.js';
import { IDEAL_SHARE_TAG_PREFIX_LENGTH, idealShareTag } from '../src/lib/ideal-share-tag.js';
import { shareDigestPrefix } from '../src/lib/share-digest.js';
import { byNode, bytes, meta } from './helpers.js';

const KAT = {
  key: Array.from({ length: 32 }, (_, i) => i.toString(16).padStart(2, '0')).join(''),
  chunkIndex: 1,
  nodeIndex: 2,
  share: '616263',
  nonce: 'ffffffff0000000100000002',
  gmac: '326212135938b849e1b2fdcf8b52ee80',
  prefix: '786f726964612f6d6f64656c67756172642f73686172652d7461672f763500',
  shareTag: 'a372970760a69168039b3b41f6a602e49a7df8a3948599f6b75cc72f5b23e563',
};

const guard2of3 = async (data: Uint8Array) => {
  const r = await guardModel(data, meta(data.length), {
    storageNodes: 3,
    threshold: 2,
    chunkSize: 2000,
  });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

describe('manifest version 5 formats (docs/formats.md known-answer vectors)', () => {
  it('ideal share tag: the vector, and an independent GMAC then SHA-256', () => {
    const key = hexToBytes(KAT.key);
    const got = idealShareTag(key, KAT.chunkIndex, KAT.nodeIndex, hexToBytes(KAT.share));
    expect(bytesToHex(got)).toBe(KAT.shareTag);
    expect(KAT.prefix.length / 2).toBe(IDEAL_SHARE_TAG_PREFIX_LENGTH);
    const c = createCipheriv('aes-256-gcm', key, hexToBytes(KAT.nonce));
    c.setAAD(hexToBytes(KAT.share));
    c.final();
    const gmac = c.getAuthTag();
    expect(gmac.toString('hex')).toBe(KAT.gmac);
    const ref = createHash('sha256').update(hexToBytes(KAT.prefix)).update(gmac).digest('hex');
    expect(ref).toBe(KAT.shareTag);
    // Chunk index, node index, key and share are all bound.
    const share = hexToBytes(KAT.share);
    for (const other of [
      idealShareTag(key, 0, KAT.nodeIndex, share),
      idealShareTag(key, KAT.chunkIndex, 1, share),
      idealShareTag(new Uint8Array(32), KAT.chunkIndex, KAT.nodeIndex, share),
      idealShareTag(key, KAT.chunkIndex, KAT.nodeIndex, hexToBytes('616264')),
    ])
      expect(bytesToHex(other)).not.toBe(KAT.shareTag);
  });

  it('ideal mode: share tags under the manifest key match the shares; a bad share is named', async () => {
    const data = bytes(5000, 7);
    const { manifest: m, shares } = await guard2of3(data);
    expect(m.version).toBe(5);
    const key = hexToBytes(m.shareTagKey!);
    for (const c of m.chunks)
      for (let node = 0; node < 3; node++)
        expect(c.shareTags![node]).toBe(
          bytesToHex(idealShareTag(key, c.index, node, shares[c.index]![node]!.data)),
        );
    const ok = await reconstructModel(m, byNode(shares, [0, 2]));
    expect(ok.ok && Buffer.from(ok.value.weights).equals(data)).toBe(true);
    // One flipped byte in node 1's share of chunk 1: node 1 is named, the model still restores.
    const flipped = shares.map((row) => row.map((s) => ({ ...s, data: s.data.slice() })));
    flipped[1]![1]!.data[100]! ^= 1;
    const r = await reconstructModel(m, byNode(flipped, [0, 1, 2]));
    expect(r.ok && r.value.badNodes).toEqual([1]);
    expect(r.ok && Buffer.from(r.value.weights).equals(data)).toBe(true);
    // Without the right key, every share fails its tag: nothing is accepted.
    const wrong = await reconstructModel(
      { ...m, shareTagKey: '00'.repeat(32) },
      byNode(shares, [0, 1, 2]),
    );
    expect(!wrong.ok && wrong.error.code).toBe('HMAC_FAILED');
  });

  it('the parser requires shareTagKey exactly in version 5 ideal mode', async () => {
    const { manifest: m } = await guard2of3(bytes(3000, 8));
    const { shareTagKey: _k, ...noKey } = m;
    const cases: [string, unknown][] = [
      ['shareTagKey', noKey],
      ['shareTagKey', { ...m, shareTagKey: m.shareTagKey!.toUpperCase() }],
      ['shareTagKey', { ...m, version: 4 }],
    ];
    for (const [field, bad] of cases) {
      const r = parseManifest(JSON.stringify(bad));
      expect(!r.ok && r.error.field, field).toBe(field);
    }
    expect(parseManifest(serializeManifest(m)).ok).toBe(true);
  });

  it('version 4 ideal manifests (SHA-256 share digests) are still read', async () => {
    const data = bytes(5000, 9);
    const { manifest: m, shares } = await guard2of3(data);
    const id = hexToBytes(m.id);
    const { shareTagKey: _k, ...rest } = m;
    const v4: ModelManifest = {
      ...rest,
      version: 4,
      chunks: m.chunks.map(({ shareTags: _t, ...c }) => ({
        ...c,
        shareDigests: shares[c.index]!.map((s, node) =>
          createHash('sha256')
            .update(shareDigestPrefix(id, c.index, node))
            .update(s.data)
            .digest('hex'),
        ),
      })),
    };
    const parsed = parseManifest(serializeManifest(v4));
    if (!parsed.ok) throw new Error(parsed.error.message);
    const back = await reconstructModel(parsed.value, byNode(shares, [1, 2]));
    expect(back.ok && Buffer.from(back.value.weights).equals(data)).toBe(true);
    const flipped = shares.map((row) => row.map((s) => ({ ...s, data: s.data.slice() })));
    flipped[0]![2]!.data[50]! ^= 1;
    const r = await reconstructModel(parsed.value, byNode(flipped, [0, 1, 2]));
    expect(r.ok && r.value.badNodes).toEqual([2]);
  });
});
