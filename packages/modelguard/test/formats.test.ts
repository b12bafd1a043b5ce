import { createHash } from 'node:crypto';
import { canonicalJson } from '@xorida/agent-sdk/crypto';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes, SHARE_HEADER_LENGTH, shareLength } from 'xorida';
import {
  chunkTagPrefix,
  manifestSigningBytes,
  NODE_HEADER_LENGTH,
  nodeBlobOffsets,
  planChunks,
  SHARE_DIGEST_PREFIX_LENGTH,
  shareDigestPrefix,
  TAG_PREFIX_LENGTH,
} from '../src/index.js';
import { readU64, writeU64 } from '../src/lib/byte-order.js';
import { decodeNodeHeader, encodeNodeHeader, nodeSha256 } from '../src/node/index.js';

// Known-answer vector of docs/formats.md#modelguard ("Chunk tag").
const KAT = {
  modelId: '000102030405060708090a0b0c0d0e0f',
  index: 1,
  offset: 2 ** 32 + 5,
  chunk: 'abc',
  prefix:
    '786f726964612f6d6f64656c67756172642f6368756e6b2f763100000102030405060708090a0b0c0d0e0f00000001000000010000000500000003',
  tag: 'f334ca69da3be1752227a5cc46f90c7ad63fe1ab3bfc41fbee03a058650f678a',
};

describe('chunk tag known-answer vector', () => {
  it('prefix bytes match the documented layout', () => {
    const p = chunkTagPrefix(hexToBytes(KAT.modelId), KAT.index, KAT.offset, 3);
    expect(p.length).toBe(TAG_PREFIX_LENGTH);
    expect(bytesToHex(p)).toBe(KAT.prefix);
  });
  it('both hash backends give the documented tag', async () => {
    const p = chunkTagPrefix(hexToBytes(KAT.modelId), KAT.index, KAT.offset, 3);
    const chunk = new TextEncoder().encode(KAT.chunk);
    expect(bytesToHex(nodeSha256([p, chunk]))).toBe(KAT.tag);
  });
});

// Known-answer vector of docs/formats.md#modelguard ("Share digest").
const SHARE_KAT = {
  chunkIndex: 1,
  nodeIndex: 2,
  share: 'abc',
  prefix:
    '786f726964612f6d6f64656c67756172642f73686172652f763100000102030405060708090a0b0c0d0e0f0000000102',
  digest: 'd3a976ae4dc96e09bdd056c251f85477d092dbf2b1b1d30827665833e14a6fc9',
};

describe('share digest known-answer vector', () => {
  it('prefix bytes and digest match the documented values with both backends', async () => {
    const p = shareDigestPrefix(hexToBytes(KAT.modelId), SHARE_KAT.chunkIndex, SHARE_KAT.nodeIndex);
    expect(p.length).toBe(SHARE_DIGEST_PREFIX_LENGTH);
    expect(bytesToHex(p)).toBe(SHARE_KAT.prefix);
    const share = new TextEncoder().encode(SHARE_KAT.share);
    expect(bytesToHex(nodeSha256([p, share]))).toBe(SHARE_KAT.digest);
  });
});

describe('offset arithmetic above 4 GiB', () => {
  it('u64 writes keep the high word', () => {
    const v = new DataView(new ArrayBuffer(8));
    for (const x of [
      0,
      2 ** 32 - 1,
      2 ** 32,
      2 ** 32 + 1,
      5 * 2 ** 32 + 12345,
      Number.MAX_SAFE_INTEGER,
    ]) {
      writeU64(v, 0, x);
      expect(readU64(v, 0)).toBe(x);
    }
    writeU64(v, 0, 2 ** 32 + 7);
    expect(bytesToHex(new Uint8Array(v.buffer))).toBe('0000000100000007');
    expect(() => writeU64(v, 0, -1)).toThrow(RangeError);
  });

  it('chunk plan of a 6 GiB model: offsets exact past 2^32', () => {
    const size = 6 * 2 ** 30 + 3;
    const chunk = 4 * 2 ** 20;
    const spans = planChunks(size, chunk);
    expect(spans.length).toBe(1537);
    expect(spans[1024]).toEqual({ offset: 2 ** 32, length: chunk });
    expect(spans[1536]).toEqual({ offset: 6 * 2 ** 30, length: 3 });
    const total = spans.reduce((a, s) => a + s.length, 0);
    expect(total).toBe(size);
  });

  it('node blob offsets of a 6 GiB model, 2-of-3, are exact', () => {
    const chunk = 4 * 2 ** 20;
    const lengths = planChunks(6 * 2 ** 30 + 3, chunk).map((s) => s.length);
    const offsets = nodeBlobOffsets(lengths, 3);
    const per = SHARE_HEADER_LENGTH + shareLength(chunk, 3);
    expect(offsets[1024]).toBe(NODE_HEADER_LENGTH + 1024 * per);
    expect(offsets[1024]!).toBeGreaterThan(2 ** 32);
    expect(offsets[1537]).toBe(
      NODE_HEADER_LENGTH + 1536 * per + SHARE_HEADER_LENGTH + shareLength(3, 3),
    );
  });

  it('node header round-trips sizes above 4 GiB', () => {
    const h = {
      nodeIndex: 2,
      n: 3,
      k: 2,
      modelId: KAT.modelId,
      chunkCount: 1537,
      modelSize: 6 * 2 ** 30 + 3,
      blobLength: 2 ** 33 + 99,
    };
    const bytes = encodeNodeHeader(h);
    expect(bytes.length).toBe(48);
    expect(decodeNodeHeader(bytes)).toEqual(h);
    expect(typeof decodeNodeHeader(bytes.subarray(0, 47))).toBe('string');
    const bad = bytes.slice();
    bad[0] = 0;
    expect(decodeNodeHeader(bad)).toBe('bad magic (not a modelguard node blob)');
  });

  it('chunk tag prefixes differ for offsets that agree modulo 2^32', () => {
    const id = hexToBytes(KAT.modelId);
    expect(bytesToHex(chunkTagPrefix(id, 0, 5, 1))).not.toBe(
      bytesToHex(chunkTagPrefix(id, 0, 2 ** 32 + 5, 1)),
    );
  });
});

describe('manifest signing bytes', () => {
  it('canonical JSON sorts keys at every level and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 'x', c: null }], u: undefined })).toBe(
      '{"a":[{"c":null,"d":"x"}],"b":1}',
    );
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(TypeError);
  });
  it('signing bytes exclude the signature and start with the domain', () => {
    const m = {
      format: 'xorida-modelguard-manifest',
      version: 2,
      id: KAT.modelId,
      createdAt: 't',
      metadata: { name: 'm', version: '1', architecture: 'a', parameterCount: 0, modelSize: 0 },
      config: { storageNodes: 3, threshold: 2, chunkSize: 4 },
      modelSize: 0,
      modelHash: createHash('sha256').digest('hex'),
      totalChunks: 0,
      chunks: [],
    } as const;
    const a = new TextDecoder().decode(manifestSigningBytes(m));
    const b = new TextDecoder().decode(
      manifestSigningBytes({
        ...m,
        signature: { alg: 'Ed25519', publicKey: '00'.repeat(32), value: '00'.repeat(64) },
      }),
    );
    expect(a).toBe(b);
    expect(a.startsWith('xorida/modelguard/manifest/v1\n{"chunks":[],"config":')).toBe(true);
  });
});

describe('in-place IDA5 header', () => {
  it('header + in-place payload equals encodeShare byte for byte', async () => {
    const { encodeShare, split } = await import('xorida');
    const { writeShareHeader } = await import('../src/lib/share-header.js');
    const secret = new TextEncoder().encode('model chunk bytes');
    const shares = split(secret, { threshold: 2, shares: 3 });
    if (!shares.ok) throw new Error('split');
    for (const s of shares.value) {
      const ref = encodeShare(s, { productType: 0x0010 });
      if (!ref.ok) throw new Error('encode');
      const out = new Uint8Array(SHARE_HEADER_LENGTH + s.payload.length);
      out.set(s.payload, SHARE_HEADER_LENGTH);
      writeShareHeader(out, { ...s, payloadLength: s.payload.length, productType: 0x0010 });
      expect(bytesToHex(out)).toBe(bytesToHex(ref.value));
    }
  });
});

describe('zero-copy share view', () => {
  it('accepts and rejects what decodeShare does', async () => {
    const { decodeShare, encodeShare, split } = await import('xorida');
    const { viewShare } = await import('../src/lib/share-view.js');
    const shares = split(new Uint8Array(1001).fill(9), { threshold: 3, shares: 5 });
    if (!shares.ok) throw new Error('split');
    const good = encodeShare(shares.value[4]!, { productType: 0x0010 });
    if (!good.ok) throw new Error('encode');
    const patch = (at: number, value: number) => {
      const b = good.value.slice();
      b[at] = value;
      return b;
    };
    const byteAt = (at: number) => good.value[at]!;
    const cases: Uint8Array[] = [
      good.value,
      good.value.subarray(0, 33),
      good.value.subarray(0, good.value.length - 1),
      new Uint8Array([...good.value, 0]),
      patch(0, 0),
      patch(4, 2),
      patch(7, 5), // index >= n
      patch(9, 6), // k > n
      patch(8, 1), // n < 2
      patch(29, byteAt(29) ^ 1), // original length vs payload length
      patch(33, byteAt(33) ^ 1), // payload length field
    ];
    for (const c of cases) {
      const ref = decodeShare(c);
      const view = viewShare(c);
      expect(view !== undefined).toBe(ref.ok);
      if (ref.ok && view) {
        expect(view.payload).toEqual(ref.value.payload);
        expect(view.groupId).toEqual(ref.value.groupId);
        expect([view.index, view.k, view.n, view.originalLength, view.productType]).toEqual([
          ref.value.index,
          ref.value.k,
          ref.value.n,
          ref.value.originalLength,
          ref.value.productType,
        ]);
      }
    }
  });
});
