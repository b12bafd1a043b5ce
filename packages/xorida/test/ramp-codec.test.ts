/**
 * IDA5 version 2 (ramp shares): one test per defect sub-code, version 1 unchanged for
 * threshold shares, round trips, and fuzzing (random and mutated inputs never throw).
 * The documented vector is checked in ramp-kat.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bytesToHex,
  decodeShare,
  disperse,
  encodeShare,
  hexToBytes,
  recover,
  SHARE_HEADER_LENGTH_RAMP,
  type Share,
  split,
} from '../src/index.js';

const GROUP = hexToBytes('000102030405060708090a0b0c0d0e0f');

function must<T>(r: { ok: true; value: T } | { ok: false; error: { code: string } }): T {
  if (!r.ok) throw new Error(r.error.code);
  return r.value;
}

const sub = (r: ReturnType<typeof decodeShare>) =>
  r.ok ? 'ok' : `${r.error.code}:${r.error.subCode}`;

describe('versions', () => {
  it('threshold shares stay version 1 (34-byte header); ramp shares are version 2', () => {
    const t = must(split(new Uint8Array([1, 2, 3]), { threshold: 2, shares: 3 }));
    const e = must(encodeShare(t[0]!));
    expect([e[4], e.length]).toEqual([1, 34 + t[0]!.payload.length]);
    const r = must(disperse(new Uint8Array([1, 2, 3]), { k: 2, n: 3 }));
    const f = must(encodeShare(r[0]!));
    expect([f[4], f[34], f.length]).toEqual([2, 2, 35 + r[0]!.payload.length]);
    // an explicit L: 1 is still a threshold share, written as version 1
    expect(must(encodeShare({ ...t[0]!, L: 1 }))).toEqual(e);
  });

  it('round trips any (k, L, n) with n <= 20', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 2, max: 20 })
          .chain((n) =>
            fc
              .integer({ min: 2, max: n })
              .chain((k) =>
                fc.tuple(
                  fc.constant(n),
                  fc.constant(k),
                  fc.integer({ min: 1, max: k }),
                  fc.uint8Array({ minLength: 1, maxLength: 300 }),
                ),
              ),
          ),
        ([n, k, L, data]) => {
          const shares = must(disperse(data, { k, n, L }));
          const decoded = shares.map((s) => must(decodeShare(must(encodeShare(s)))));
          for (let i = 0; i < n; i++) {
            const { productType, ...rest } = decoded[i]!;
            expect(productType).toBe(0);
            expect(rest).toEqual(shares[i]);
          }
          expect(bytesToHex(must(recover(decoded.slice(n - k))))).toBe(bytesToHex(data));
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('strict parsing of version 2: one sub-code per defect', () => {
  const share: Share = must(disperse(hexToBytes('584f5221'), { k: 2, n: 3, groupId: GROUP }))[0]!;
  const good = () => must(encodeShare(share));
  const set = (i: number, v: number) => {
    const b = good();
    b[i] = v;
    return b;
  };
  it.each([
    ['RAMP_OUT_OF_RANGE', () => set(34, 0)],
    ['RAMP_OUT_OF_RANGE', () => set(34, 1)], // L = 1 must be written as version 1
    ['RAMP_OUT_OF_RANGE', () => set(34, 3)], // L > k
    ['UNSUPPORTED_VERSION', () => set(4, 3)],
    ['TRUNCATED', () => good().subarray(0, 34)], // a full version 1 header, not a version 2 one
    ['TRUNCATED', () => good().subarray(0, 36)],
    ['TRAILING_BYTES', () => new Uint8Array([...good(), 0])],
    ['LENGTH_MISMATCH', () => set(33, 4)],
    ['INDEX_OUT_OF_RANGE', () => set(7, 3)],
    ['THRESHOLD_OUT_OF_RANGE', () => set(9, 4)],
    ['BAD_FIELD', () => set(29, 0)],
  ] as const)('%s', (code, make) => {
    expect(sub(decodeShare(make()))).toBe(`SHARE_INVALID:${code}`);
  });

  it('a version 1 share relabelled as version 2 is refused, not misread', () => {
    const t = must(split(new Uint8Array(10).fill(5), { threshold: 2, shares: 3 }));
    const b = must(encodeShare(t[0]!));
    b[4] = 2;
    expect(sub(decodeShare(b))).not.toBe('ok');
  });

  it('L beyond MAX_RAMP_WORK is refused by the decoder and by encodeShare', () => {
    const b = new Uint8Array(SHARE_HEADER_LENGTH_RAMP);
    b.set([0x49, 0x44, 0x41, 0x35, 2, 0, 0, 0, 67, 64]);
    b[34] = 64;
    b[29] = 1;
    expect(sub(decodeShare(b))).toBe('SHARE_INVALID:RAMP_OUT_OF_RANGE');
    const r = encodeShare({ ...share, L: 3 });
    expect(r.ok ? 'ok' : r.error.subCode).toBe('RAMP_OUT_OF_RANGE');
  });
});

describe('fuzzing version 2: never throws', () => {
  const shares = must(disperse(new TextEncoder().encode('mutate the ramp'), { k: 3, n: 7, L: 2 }));
  const valid = shares.map((s) => must(encodeShare(s)));

  it('10,000 random strings that start with the magic and version 2', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (tail) => {
        const b = new Uint8Array([0x49, 0x44, 0x41, 0x35, 2, ...tail]);
        const r = decodeShare(b);
        expect(r.ok || r.error.code === 'SHARE_INVALID').toBe(true);
      }),
      { numRuns: 10_000 },
    );
  });

  it('10,000 mutations of valid encodings (bit flips, cuts, extensions)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: valid.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { maxLength: 4 }),
        fc.integer({ min: -40, max: 8 }),
        (which, flips, resize) => {
          const src = valid[which]!;
          const b = new Uint8Array(Math.max(0, src.length + resize));
          b.set(src.subarray(0, Math.min(src.length, b.length)));
          for (const [at, bit] of flips) if (b.length > 0) b[at % b.length]! ^= 1 << bit;
          const r = decodeShare(b);
          expect(r.ok || r.error.code === 'SHARE_INVALID').toBe(true);
          if (r.ok)
            expect(must(encodeShare(r.value, { productType: r.value.productType }))).toEqual(b);
        },
      ),
      { numRuns: 10_000 },
    );
  });
});
