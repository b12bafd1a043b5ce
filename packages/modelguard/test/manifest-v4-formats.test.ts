// Known-answer vectors of manifest version 4 (docs/formats.md "Manifest version 4"): the tag
// list hash and the compact-mode share tag, each against an independent node:crypto computation.
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
import { shareDigestPrefix } from '../src/lib/share-digest.js';
import { shareTag, shareTagNonce } from '../src/lib/share-tag.js';
import { TAG_LIST_PREFIX_LENGTH, tagListHash } from '../src/lib/tag-list.js';
import { byNode, bytes, meta } from './helpers.js';

const KAT = {
  modelId: '000102030405060708090a0b0c0d0e0f',
  modelSize: 2 ** 32 + 5,
  tags: [
    '9ccdea48c325e9c0dfc005c17c3a4de66cf2471f5a049abd767a3a6cfb93598e',
    '75e8dafb2eb89a1da9dc23ae727a2b4a6fc47b506ab4af4e1a80053dfa2cc832',
  ],
  prefix:
    '786f726964612f6d6f64656c67756172642f746167732f763400' +
    '000102030405060708090a0b0c0d0e0f' +
    '0000000100000005' +
    '00000002',
  tagListHash: 'b4127923f80adebf6c18199ddc64d21319e612fad4cde3965f6b4b76188a8c46',
  key: Array.from({ length: 32 }, (_, i) => i.toString(16).padStart(2, '0')).join(''),
  chunkIndex: 1,
  nodeIndex: 2,
  share: '616263',
  nonce: 'ffffffff0000000100000002',
  shareTag: '326212135938b849e1b2fdcf8b52ee80',
};

describe('manifest version 4 formats (docs/formats.md known-answer vectors)', () => {
  it('tag list hash: the vector, and an independent SHA-256 over prefix and tags', () => {
    const tags = KAT.tags.map(hexToBytes);
    const got = bytesToHex(tagListHash(hexToBytes(KAT.modelId), KAT.modelSize, tags));
    expect(got).toBe(KAT.tagListHash);
    expect(KAT.prefix.length / 2).toBe(TAG_LIST_PREFIX_LENGTH);
    const ref = createHash('sha256').update(hexToBytes(KAT.prefix));
    for (const t of tags) ref.update(t);
    expect(ref.digest('hex')).toBe(KAT.tagListHash);
    // Every input is bound: another size, order or id gives another hash.
    const id = hexToBytes(KAT.modelId);
    expect(bytesToHex(tagListHash(id, KAT.modelSize + 1, tags))).not.toBe(KAT.tagListHash);
    expect(bytesToHex(tagListHash(id, KAT.modelSize, [...tags].reverse()))).not.toBe(
      KAT.tagListHash,
    );
  });

  it('share tag: the vector, and an independent node:crypto GMAC', () => {
    const key = hexToBytes(KAT.key);
    expect(bytesToHex(shareTagNonce(KAT.chunkIndex, KAT.nodeIndex))).toBe(KAT.nonce);
    const got = shareTag(key, KAT.chunkIndex, KAT.nodeIndex, hexToBytes(KAT.share));
    expect(bytesToHex(got)).toBe(KAT.shareTag);
    const c = createCipheriv('aes-256-gcm', key, hexToBytes(KAT.nonce));
    c.setAAD(hexToBytes(KAT.share));
    c.final();
    expect(c.getAuthTag().toString('hex')).toBe(KAT.shareTag);
    expect(bytesToHex(shareTag(key, KAT.chunkIndex, 3, hexToBytes(KAT.share)))).not.toBe(
      KAT.shareTag,
    );
  });

  /** Guards `data` 2-of-3 in 2000-byte chunks; throws on a refused guard. */
  const guard2of3 = async (data: Uint8Array, mode: 'ideal' | 'compact') => {
    const r = await guardModel(data, meta(data.length), {
      storageNodes: 3,
      threshold: 2,
      chunkSize: 2000,
      mode,
    });
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  };

  it('guardModel writes version 5 (version 4 fields plus ideal share tags); it parses', async () => {
    const data = bytes(5000, 3);
    for (const mode of ['ideal', 'compact'] as const) {
      const m = (await guard2of3(data, mode)).manifest;
      expect(m.version).toBe(5);
      expect(m.mode).toBe(mode);
      expect(m.modelHash).toBeUndefined();
      const tags = m.chunks.map((c) => hexToBytes(c.tag));
      expect(m.tagListHash).toBe(bytesToHex(tagListHash(hexToBytes(m.id), data.length, tags)));
      expect(m.chunks[0]!.shareDigests).toBeUndefined();
      expect(m.chunks[0]!.shareTags?.length).toBe(3);
      expect(m.chunks[0]!.shareTags?.[0]?.length).toBe(mode === 'compact' ? 32 : 64);
      const back = parseManifest(serializeManifest(m));
      expect(back.ok).toBe(true);
    }
  });

  it('versions 2 and 3 are still read: the same shares restore under the older manifests', async () => {
    const data = bytes(5000, 4);
    const sha = createHash('sha256').update(data).digest('hex');
    for (const mode of ['ideal', 'compact'] as const) {
      const { manifest: m, shares, keyShares } = await guard2of3(data, mode);
      const id = hexToBytes(m.id);
      // Version 2/3 chunks carry SHA-256 share digests (docs/formats.md "Share digest").
      const chunks = m.chunks.map(({ shareTags: _t, ...c }) => ({
        ...c,
        shareDigests: shares[c.index]!.map((s, node) =>
          createHash('sha256')
            .update(shareDigestPrefix(id, c.index, node))
            .update(s.data)
            .digest('hex'),
        ),
      }));
      const { tagListHash: _l, mode: _m, shareTagKey: _k, ...rest } = m;
      const older: ModelManifest[] = [
        { ...rest, version: 3, mode, chunks, modelHash: sha },
        ...(mode === 'ideal' ? [{ ...rest, version: 2 as const, chunks, modelHash: sha }] : []),
      ];
      for (const o of older) {
        const parsed = parseManifest(serializeManifest(o));
        if (!parsed.ok) throw new Error(`${o.version}: ${parsed.error.message}`);
        const back = await reconstructModel(parsed.value, byNode(shares, [0, 2]), {
          ...(keyShares ? { keyShares } : {}),
        });
        expect(back.ok && Buffer.from(back.value.weights).equals(data), `v${o.version}`).toBe(true);
        const bad = await reconstructModel(
          { ...parsed.value, modelHash: '00'.repeat(32) },
          byNode(shares, [0, 1]),
          {
            ...(keyShares ? { keyShares } : {}),
          },
        );
        expect(!bad.ok && bad.error.subCode).toBe('MODEL_HASH_MISMATCH');
      }
    }
  });
});
