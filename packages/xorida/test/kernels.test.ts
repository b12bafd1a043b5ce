/**
 * The XOR kernels against a byte-by-byte reference: every arity 1..9 (fused groups of 4, folds of
 * 1..3), aligned, 4-byte-aligned, unaligned (staged) and co-aligned offsets, lengths around the 64-byte
 * and 8-byte boundaries and over many 64 KiB staging blocks, and the one allowed alias (dst exactly
 * srcs[0]).
 */
import { describe, expect, it } from 'vitest';
import { xorSources } from '../src/lib/xor.js';

function reference(srcs: Uint8Array[], offs: number[], len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let b = 0; b < len; b++)
    for (let t = 0; t < srcs.length; t++) out[b]! ^= srcs[t]![offs[t]! + b]!;
  return out;
}

describe('xorSources', () => {
  const lengths = [1, 7, 8, 63, 64, 65, 100, 1000, 4099];
  const offsets = [0, 1, 4, 8];
  for (let count = 1; count <= 9; count++) {
    it(`${count} source(s), aligned and unaligned, lengths ${lengths.join('/')}`, () => {
      for (const len of lengths) {
        for (const off of offsets) {
          const srcs = Array.from({ length: count }, () =>
            crypto.getRandomValues(new Uint8Array(len + 16)),
          );
          const offs = srcs.map((_, t) => (t % 2 === 0 ? off : 8));
          const dst = new Uint8Array(len + 24).fill(0xaa);
          xorSources(dst, off, srcs, offs, count, len);
          expect([count, len, off, Array.from(dst.subarray(off, off + len))]).toEqual([
            count,
            len,
            off,
            Array.from(reference(srcs, offs, len)),
          ]);
          expect(dst[off + len]).toBe(0xaa); // nothing written past the piece
          if (off > 0) expect(dst[off - 1]).toBe(0xaa);
        }
      }
    });
  }

  it('unaligned pieces of many staging blocks, a partial last block, then small ones again', () => {
    // xorStaged stages 64 KiB at a time: every block and the short last one must land in place.
    for (const len of [(1 << 20) + 13, 1_500_001, 87_382, 100]) {
      const srcs = Array.from({ length: 3 }, () => {
        const b = new Uint8Array(len + 8);
        for (let o = 0; o < b.length; o += 65_536)
          crypto.getRandomValues(b.subarray(o, o + 65_536));
        return b;
      });
      const offs = [1, 2, 3];
      const dst = new Uint8Array(len + 8).fill(0xaa);
      xorSources(dst, 5, srcs, offs, 3, len);
      const want = reference(srcs, offs, len);
      expect(Buffer.compare(dst.subarray(5, 5 + len), want)).toBe(0);
      expect([dst[4], dst[5 + len]]).toEqual([0xaa, 0xaa]);
    }
  });

  it('co-aligned: every source and dst at the same nonzero offset modulo 8', () => {
    for (const count of [2, 3, 4, 5, 8]) {
      for (const skew of [1, 2, 3, 4, 6, 7]) {
        for (const len of [64, 65, 71, 72, 1000, 4099]) {
          // Different byte offsets, one residue: buffer views at skew, pieces at multiples of 8.
          const srcs = Array.from({ length: count }, (_, t) =>
            crypto
              .getRandomValues(new Uint8Array(len + 64))
              .subarray(t % 2 === 0 ? skew : 8 + skew),
          );
          const offs = srcs.map((_, t) => 8 * (t % 3));
          const backing = new Uint8Array(len + 40).fill(0xaa);
          const dst = backing.subarray(skew);
          xorSources(dst, 16, srcs, offs, count, len);
          expect(Array.from(dst.subarray(16, 16 + len))).toEqual(
            Array.from(reference(srcs, offs, len)),
          );
          expect(dst[15]).toBe(0xaa);
          expect(dst[16 + len]).toBe(0xaa);
        }
      }
    }
  });

  it('accumulates when dst is exactly srcs[0] (D = D ^ A ^ ...)', () => {
    for (const count of [2, 3, 4, 5, 8]) {
      for (const [len, off] of [
        [64, 0],
        [100, 3],
        [4100, 4],
        [4096, 8],
      ] as const) {
        const dst = crypto.getRandomValues(new Uint8Array(len + 8));
        const others = Array.from({ length: count - 1 }, () =>
          crypto.getRandomValues(new Uint8Array(len)),
        );
        const expected = reference([dst.slice(), ...others], [off, ...others.map(() => 0)], len);
        xorSources(dst, off, [dst, ...others], [off, ...others.map(() => 0)], count, len);
        expect(Array.from(dst.subarray(off, off + len))).toEqual(Array.from(expected));
      }
    }
  });
});
