import { createCipheriv, createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bytesToHex, decodeShare, disperse, encodeShare, hexToBytes } from 'xorida';
import {
  chunkAad,
  chunkNonce,
  keyShareDigestPrefix,
  openChunk,
  sealChunk,
} from '../src/lib/compact.js';
import { viewShare } from '../src/lib/share-view.js';

// The known-answer vector of docs/formats.md "Compact mode".
const KAT = {
  key: '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
  modelId: '000102030405060708090a0b0c0d0e0f',
  index: 1,
  offset: 2 ** 32 + 5,
  chunk: '616263',
  nonce: '000000010000000100000005',
  aad: '786f726964612f6d6f64656c67756172642f636f6d706163742f763100000102030405060708090a0b0c0d0e0f00000001000000010000000500000003',
  sealed: '59db10c0cda90f975a5de41a60138945bd377f',
  keyPrefix: '786f726964612f6d6f64656c67756172642f6b65792f763100000102030405060708090a0b0c0d0e0f02',
  keyDigest: 'f66b8875c7bd55a600c2e58a33c393bbfe1b5cd88444cafdc9326c98b438cb77',
};

describe('compact mode formats (docs/formats.md known-answer vector)', () => {
  const key = hexToBytes(KAT.key);
  const id = hexToBytes(KAT.modelId);

  it('nonce, AAD and sealed chunk match the vector and an independent node:crypto seal', () => {
    expect(bytesToHex(chunkNonce(KAT.index, KAT.offset))).toBe(KAT.nonce);
    expect(bytesToHex(chunkAad(id, KAT.index, KAT.offset, 3))).toBe(KAT.aad);
    const sealed = sealChunk(key, id, KAT.index, KAT.offset, hexToBytes(KAT.chunk));
    expect(bytesToHex(sealed)).toBe(KAT.sealed);
    const c = createCipheriv('aes-256-gcm', key, hexToBytes(KAT.nonce));
    c.setAAD(hexToBytes(KAT.aad));
    const ref = Buffer.concat([c.update(hexToBytes(KAT.chunk)), c.final(), c.getAuthTag()]);
    expect(ref.toString('hex')).toBe(KAT.sealed);
  });

  it('a sealed chunk opens only at its own model, index, offset and with its key', () => {
    const sealed = hexToBytes(KAT.sealed);
    expect(bytesToHex(openChunk(key, id, 1, KAT.offset, sealed)!)).toBe(KAT.chunk);
    expect(openChunk(key, id, 2, KAT.offset, sealed)).toBeNull();
    expect(openChunk(key, id, 1, 5, sealed)).toBeNull();
    const other = id.slice();
    other[0] = 9;
    expect(openChunk(key, other, 1, KAT.offset, sealed)).toBeNull();
    const k2 = key.slice();
    k2[31] = 1;
    expect(openChunk(k2, id, 1, KAT.offset, sealed)).toBeNull();
  });

  it('key share digest prefix and digest match the vector', () => {
    const prefix = keyShareDigestPrefix(id, 2);
    expect(bytesToHex(prefix)).toBe(KAT.keyPrefix);
    const d = createHash('sha256').update(prefix).update(hexToBytes(KAT.chunk)).digest('hex');
    expect(d).toBe(KAT.keyDigest);
  });

  it('viewShare reads ramp (version 2) shares exactly as decodeShare does', () => {
    const shares = disperse(hexToBytes(KAT.sealed), { k: 3, n: 5 });
    if (!shares.ok) throw new Error('disperse');
    for (const s of shares.value) {
      const enc = encodeShare(s, { productType: 0x10 });
      if (!enc.ok) throw new Error('encode');
      const v = viewShare(enc.value);
      const d = decodeShare(enc.value);
      expect(d.ok).toBe(true);
      expect(v?.L).toBe(3);
      expect(d.ok && bytesToHex(d.value.payload)).toBe(bytesToHex(v!.payload));
      const bad = enc.value.slice();
      bad[34] = 4; // L > k
      expect(viewShare(bad)).toBeUndefined();
      expect(decodeShare(bad).ok).toBe(false);
      const trunc = enc.value.subarray(0, enc.value.length - 1);
      expect(viewShare(trunc)).toBeUndefined();
      expect(decodeShare(trunc).ok).toBe(false);
    }
  });
});
