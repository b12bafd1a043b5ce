/**
 * The IDA5 share codec and its Base45 form: vectors (also in docs/formats.md), round trips,
 * one test per error sub-code, and fuzzing: random and mutated inputs return errors, never throw.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  base45Decode,
  base45Encode,
  bytesToHex,
  decodeShare,
  decodeShareBase45,
  encodeShare,
  encodeShareBase45,
  encodeShareHeader,
  hexToBytes,
  reconstruct,
  type Share,
  split,
  utf8ToBytes,
} from '../src/index.js';

const GROUP = hexToBytes('000102030405060708090a0b0c0d0e0f');
/** Spec 4.1 ("Hi", (2,3)) shares 0 and 2 with groupId 00..0f: the vectors of docs/formats.md. */
const KAT: Share[] = [
  { index: 0, k: 2, n: 3, groupId: GROUP, originalLength: 2, payload: hexToBytes('a574') },
  { index: 2, k: 2, n: 3, groupId: GROUP, originalLength: 2, payload: hexToBytes('ed55') },
];
const KAT_HEX = [
  '49444135 01 0000 00 03 02 000102030405060708090a0b0c0d0e0f 00000002 00000002 a574',
  '49444135 01 0042 02 03 02 000102030405060708090a0b0c0d0e0f 00000002 00000002 ed55',
];
const KAT_BASE45 = ' B9/A8V500005H0100KB0*M0DY0W016C1PN1:Y1000200000200B-K';

function encoded(share: Share, productType?: number): Uint8Array {
  const r = encodeShare(share, productType === undefined ? {} : { productType });
  if (!r.ok) throw new Error(r.error.code);
  return r.value;
}

const sub = (r: ReturnType<typeof decodeShare>) =>
  r.ok ? 'ok' : `${r.error.code}:${r.error.subCode}`;

describe('vectors', () => {
  it('encodes the spec 4.1 shares to the documented bytes', () => {
    expect(bytesToHex(encoded(KAT[0]!))).toBe(KAT_HEX[0]!.replace(/ /g, ''));
    expect(bytesToHex(encoded(KAT[1]!, 0x0042))).toBe(KAT_HEX[1]!.replace(/ /g, ''));
  });

  it('encodeShareHeader is the encoding without its payload', () => {
    const h = encodeShareHeader(KAT[1]!, { productType: 0x0042 });
    expect(h.ok && bytesToHex(h.value)).toBe(KAT_HEX[1]!.replace(/ /g, '').slice(0, -4));
    const bad = encodeShareHeader({ ...KAT[0]!, index: 3 });
    expect(bad.ok ? 'ok' : bad.error.code).toBe('SHARE_INVALID');
  });

  it('decodes the documented bytes and reconstructs "Hi"', () => {
    const shares = KAT_HEX.map((h) => {
      const r = decodeShare(hexToBytes(h));
      if (!r.ok) throw new Error(r.error.code);
      return r.value;
    });
    expect(shares.map((s) => s.productType)).toEqual([0, 0x42]);
    const r = reconstruct(shares);
    expect(r.ok && new TextDecoder().decode(r.value)).toBe('Hi');
  });

  it('Base45 form of share 0', () => {
    const t = encodeShareBase45(KAT[0]!);
    expect(t.ok && t.value).toBe(KAT_BASE45);
    const back = decodeShareBase45(KAT_BASE45);
    expect(back.ok && bytesToHex(back.value.payload)).toBe('a574');
  });
});

describe('round trips', () => {
  it('any split encodes and decodes losslessly', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.integer({ min: 2, max: 20 }),
        fc.integer({ min: 0, max: 0xffff }),
        (secret, n, productType) => {
          const shares = split(secret, { threshold: 2, shares: n });
          if (!shares.ok) throw new Error(shares.error.code);
          for (const s of shares.value) {
            const d = decodeShare(encoded(s, productType));
            if (!d.ok) throw new Error(d.error.code);
            expect(d.value).toEqual({ ...s, productType });
            const t = encodeShareBase45(s);
            const b = t.ok ? decodeShareBase45(t.value) : t;
            expect(b.ok && bytesToHex(b.value.payload)).toBe(bytesToHex(s.payload));
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('the decoded payload is a copy', () => {
    const bytes = encoded(KAT[0]!);
    const d = decodeShare(bytes);
    bytes[34] = 0;
    expect(d.ok && d.value.payload[0]).toBe(0xa5);
  });

  it('with copy: false the payload is a view of the bytes, and the share is the same', () => {
    const bytes = encoded(KAT[0]!);
    const copied = decodeShare(bytes);
    const viewed = decodeShare(bytes, { copy: false });
    expect(viewed).toEqual(copied);
    if (!viewed.ok) throw new Error('decode');
    expect(viewed.value.payload.buffer).toBe(bytes.buffer);
    expect(viewed.value.payload.byteOffset).toBe(bytes.byteOffset + 34);
    bytes[34] = 0;
    expect(viewed.value.payload[0]).toBe(0);
    expect(viewed.value.groupId.buffer).not.toBe(bytes.buffer); // the header fields are copies
  });
});

describe('strict parsing: one sub-code per defect', () => {
  const good = () => encoded(KAT[0]!);
  const set = (i: number, v: number) => {
    const b = good();
    b[i] = v;
    return b;
  };
  it.each([
    ['BAD_MAGIC', () => set(0, 0x4a)],
    ['UNSUPPORTED_VERSION', () => set(4, 3)], // 2 is the ramp version (ramp-codec.test.ts)
    ['UNSUPPORTED_VERSION', () => set(4, 0)],
    ['INDEX_OUT_OF_RANGE', () => set(7, 3)],
    ['THRESHOLD_OUT_OF_RANGE', () => set(9, 4)],
    ['THRESHOLD_OUT_OF_RANGE', () => set(9, 1)],
    ['BAD_FIELD', () => set(8, 1)],
    ['BAD_FIELD', () => set(29, 0)],
    ['LENGTH_MISMATCH', () => set(33, 3)],
    ['TRUNCATED', () => good().subarray(0, 35)],
    ['TRUNCATED', () => good().subarray(0, 20)],
    ['TRUNCATED', () => good().subarray(0, 2)],
    ['TRAILING_BYTES', () => new Uint8Array([...good(), 0])],
  ] as const)('%s', (code, make) => {
    expect(sub(decodeShare(make()))).toBe(`SHARE_INVALID:${code}`);
  });

  it('non-bytes input is an error, not an exception', () => {
    expect(sub(decodeShare('IDA5' as unknown as Uint8Array))).toBe('SHARE_INVALID:BAD_FIELD');
  });

  it('encodeShare refuses malformed shares and product types', () => {
    const r1 = encodeShare({ ...KAT[0]!, index: 3 });
    expect(r1.ok ? 'ok' : r1.error.subCode).toBe('INDEX_OUT_OF_RANGE');
    const r2 = encodeShare(KAT[0]!, { productType: 0x10000 });
    expect(r2.ok ? 'ok' : r2.error.field).toBe('productType');
  });
});

describe('fuzzing: never throws', () => {
  it('10,000 random byte strings', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), (bytes) => {
        const r = decodeShare(bytes);
        if (r.ok) accepted++;
        else expect(r.error.code).toBe('SHARE_INVALID');
      }),
      { numRuns: 10_000 },
    );
    expect(accepted).toBe(0);
  });

  it('10,000 random strings that start with the magic and version', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (rest) => {
        const r = decodeShare(new Uint8Array([0x49, 0x44, 0x41, 0x35, 1, ...rest]));
        expect(r.ok || r.error.code === 'SHARE_INVALID').toBe(true);
      }),
      { numRuns: 10_000 },
    );
  });

  it('10,000 mutations of a valid encoding (bit flips, cuts, extensions)', () => {
    const shares = split(utf8ToBytes('mutate me please'), { threshold: 3, shares: 7 });
    if (!shares.ok) throw new Error(shares.error.code);
    const base = encoded(shares.value[4]!);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 1, max: 255 })), {
          maxLength: 4,
        }),
        fc.integer({ min: -8, max: 8 }),
        (flips, resize) => {
          const m = base.slice(0, Math.max(0, base.length + Math.min(resize, 0)));
          for (const [i, x] of flips) if (i < m.length) m[i]! ^= x;
          const bytes = resize > 0 ? new Uint8Array([...m, ...new Uint8Array(resize)]) : m;
          const r = decodeShare(bytes);
          expect(r.ok || r.error.code === 'SHARE_INVALID').toBe(true);
        },
      ),
      { numRuns: 10_000 },
    );
  });

  it('10,000 random Base45 strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => {
        const r = decodeShareBase45(text);
        expect(r.ok || r.error.code === 'SHARE_INVALID').toBe(true);
      }),
      { numRuns: 10_000 },
    );
  });
});

describe('Base45 (RFC 9285 section 4.3 examples)', () => {
  it.each([
    ['AB', 'BB8'],
    ['Hello!!', '%69 VD92EX0'],
    ['base-45', 'UJCLQE7W581'],
  ])('%s <-> %s', (text, b45) => {
    expect(base45Encode(utf8ToBytes(text))).toBe(b45);
    const d = base45Decode(b45);
    expect(d.ok && new TextDecoder().decode(d.value)).toBe(text);
  });

  it('decodes "QED8WEX0" to "ietf!" (RFC 9285 4.3)', () => {
    const d = base45Decode('QED8WEX0');
    expect(d.ok && new TextDecoder().decode(d.value)).toBe('ietf!');
  });

  it.each(['GGW', 'a', 'ABCD', ':::', 'A!B', 'ZZ'])('rejects %j', (bad) => {
    const d = base45Decode(bad);
    expect(d.ok ? 'ok' : d.error.subCode).toBe('BAD_BASE45');
  });
});
