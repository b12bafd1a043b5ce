/**
 * The (k, L, n) ramp form (xorida-scheme.md section 9): the ring-method schedule of
 * src/lib/schedule.ts must equal the Gauss-Jordan oracle (test/helpers/elimination.ts, built
 * from the spec's share formula) on EVERY k-subset for n <= 9, every k and every L; the dealer
 * must follow the same formula; and the secrecy claims are checked by rank: k-L shares are
 * uniform whatever the data, while for L = k a single share depends on the data.
 */
import { describe, expect, it } from 'vitest';
import { deal } from '../src/lib/dealer.js';
import { choosePrime, layoutOf } from '../src/lib/params.js';
import { deriveSchedule } from '../src/lib/schedule.js';
import { eliminationSchedule, observationColumns, subsets } from './helpers/elimination.js';

/** Rank over GF(2) of rows given as column lists restricted to `[from, to)`. */
function rank(rows: number[][], from: number, to: number): number {
  const width = to - from;
  const W = (width + 31) >>> 5;
  const mat = rows.map((cols) => {
    const r = new Uint32Array(W);
    for (const c of cols) {
      if (c >= from && c < to)
        r[(c - from) >>> 5] = r[(c - from) >>> 5]! ^ (1 << ((c - from) & 31));
    }
    return r;
  });
  let rk = 0;
  for (let c = 0; c < width && rk < mat.length; c++) {
    const has = (r: Uint32Array) => ((r[c >>> 5]! >>> (c & 31)) & 1) === 1;
    const piv = mat.findIndex((r, x) => x >= rk && has(r));
    if (piv < 0) continue;
    [mat[rk], mat[piv]] = [mat[piv]!, mat[rk]!];
    for (let x = 0; x < mat.length; x++) {
      if (x !== rk && has(mat[x]!))
        for (let w = 0; w < W; w++) mat[x]![w] = mat[x]![w]! ^ mat[rk]![w]!;
    }
    rk++;
  }
  return rk;
}

function rowsOf(k: number, L: number, p: number, U: readonly number[]): number[][] {
  const rows: number[][] = [];
  for (const i of U)
    for (let j = 0; j <= p - 2; j++) rows.push(observationColumns(k, L, p, i, j).cols);
  return rows;
}

const cases: Array<[number, number, number]> = [];
for (let n = 2; n <= 9; n++)
  for (let k = 2; k <= n; k++) for (let L = 1; L <= k; L++) cases.push([k, L, n]);

describe('ring schedule equals the elimination oracle on every subset', () => {
  it.each(cases)('(k,L,n) = (%i,%i,%i)', (k, L, n) => {
    const p = choosePrime(n);
    let checked = 0;
    for (const T of subsets(n, k)) {
      const ring = deriveSchedule(p, T, L).terms.map((t) => [...t]);
      expect(ring).toEqual(eliminationSchedule(k, p, T, L));
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('spot checks beyond n = 9 (bounded number of subsets)', () => {
    for (const [k, L, n] of [
      [4, 4, 13],
      [5, 3, 13],
      [3, 3, 17],
      [6, 2, 17],
    ] as const) {
      const p = choosePrime(n);
      let checked = 0;
      for (const T of subsets(n, k)) {
        expect(deriveSchedule(p, T, L).terms.map((t) => [...t])).toEqual(
          eliminationSchedule(k, p, T, L),
        );
        if (++checked >= 25) break;
      }
    }
  });
});

describe('the dealer follows the section 9.2 formula', () => {
  it.each(cases.filter(([, , n]) => n <= 7))('(k,L,n) = (%i,%i,%i)', (k, L, n) => {
    // 1-byte pieces with distinct values, so every piece is identifiable in the XORs.
    const layout = layoutOf(k, n, L * (choosePrime(n) - 1), L);
    const { p, randomPieces } = layout;
    const secret = Uint8Array.from({ length: layout.length }, (_, x) => (x * 37 + 11) & 0xff);
    const random = Uint8Array.from({ length: randomPieces }, (_, x) => (x * 101 + 7) & 0xff);
    const payloads = Array.from({ length: n }, () => new Uint8Array(layout.padded));
    deal(layout, secret, random, payloads);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= p - 2; j++) {
        const { NR, cols } = observationColumns(k, L, p, i, j);
        let v = 0;
        for (const c of cols) v ^= c < NR ? random[c]! : secret[c - NR]!;
        expect(payloads[i]![j]).toBe(v);
      }
    }
  });
});

describe('secrecy by rank', () => {
  it.each(cases.filter(([k, L, n]) => L < k && n <= 7))(
    '(k,L,n) = (%i,%i,%i): any k-L shares are uniform and independent of the data',
    (k, L, n) => {
      const p = choosePrime(n);
      const NR = (k - L) * p - 1;
      const all = NR + L * (p - 1);
      for (const U of subsets(n, k - L)) {
        const rows = rowsOf(k, L, p, U);
        // random part of full row rank: the shares are uniform; adding the data columns does
        // not raise the rank: their distribution does not depend on the data.
        expect(rank(rows, 0, NR)).toBe(rows.length);
        expect(rank(rows, 0, all)).toBe(rows.length);
      }
    },
  );

  it('negative control: with L = k one share is a function of the data (no secrecy)', () => {
    for (const [k, n] of [
      [2, 3],
      [3, 5],
    ] as const) {
      const p = choosePrime(n);
      const rows = rowsOf(k, k, p, [0]);
      expect(rows.every((r) => r.length > 0)).toBe(true); // every stored piece has data terms
      expect(rank(rows, 0, k * (p - 1))).toBe(p - 1); // and they are independent functions of it
    }
  });

  it('negative control: k-L+1 shares of a ramp split leak (the data columns raise the rank)', () => {
    const [k, L, n] = [3, 2, 5];
    const p = choosePrime(n);
    const NR = (k - L) * p - 1;
    const rows = rowsOf(k, L, p, [0, 1]);
    expect(rank(rows, 0, NR + L * (p - 1))).toBeGreaterThan(rank(rows, 0, NR));
  });
});
