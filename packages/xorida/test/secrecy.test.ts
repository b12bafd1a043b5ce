/**
 * Exhaustive secrecy check (xorida-scheme.md section 7, item 4): with tiny pieces, enumerate
 * every secret and every random stream; for each (k-1)-subset U of shares, the histogram of
 * joint share values must be the same for every secret, and uniform.
 *
 * Pieces are 1 byte whose values are restricted to `bits` low bits; XOR keeps them there, so
 * this enumerates the scheme over GF(2)^bits exactly. It runs the production dealer.
 */
import { describe, expect, it } from 'vitest';
import { deal } from '../src/lib/dealer.js';
import { layoutOf } from '../src/lib/params.js';
import { subsets } from './helpers/elimination.js';

function histogramsBySecret(
  k: number,
  n: number,
  bits: number,
): Map<string, Map<number, number>[]> {
  const layout = layoutOf(k, n, choosePiecesLength(n));
  const { p, randomPieces } = layout;
  const base = 1 << bits;
  const secrets = base ** (p - 1);
  const randoms = base ** randomPieces;
  const U = [...subsets(n, k - 1)];
  const payloads = Array.from({ length: n }, () => new Uint8Array(p - 1));
  const secret = new Uint8Array(p - 1);
  const random = new Uint8Array(randomPieces);
  const out = new Map<string, Map<number, number>[]>();
  for (let s = 0; s < secrets; s++) {
    digits(s, base, secret);
    const hists = U.map(() => new Map<number, number>());
    for (let r = 0; r < randoms; r++) {
      digits(r, base, random);
      deal(layout, secret, random, payloads);
      U.forEach((subset, u) => {
        let key = 0;
        for (const i of subset) for (const v of payloads[i]!) key = key * base + v;
        hists[u]!.set(key, (hists[u]!.get(key) ?? 0) + 1);
      });
    }
    out.set(String(s), hists);
  }
  return out;
}

/** One byte per piece: the secret is p-1 bytes long, so d = 1. */
function choosePiecesLength(n: number): number {
  return layoutOf(2, n, 1).p - 1;
}

function digits(x: number, base: number, into: Uint8Array): void {
  for (let i = 0; i < into.length; i++) {
    into[i] = x % base;
    x = Math.floor(x / base);
  }
}

describe('exhaustive secrecy of k-1 shares', () => {
  const cases: Array<[number, number, number]> = [
    [2, 2, 1],
    [2, 3, 1],
    [3, 3, 1],
    [2, 4, 1],
    [3, 4, 1],
    [4, 4, 1],
    [2, 5, 1],
    [3, 5, 1],
    [4, 5, 1],
    [2, 2, 2],
    [2, 3, 2],
    [3, 3, 2],
    [2, 5, 2],
  ];
  it.each(cases)('(k,n) = (%i,%i) with %i-bit pieces', (k, n, bits) => {
    const all = histogramsBySecret(k, n, bits);
    const layout = layoutOf(k, n, choosePiecesLength(n));
    const randoms = (1 << bits) ** layout.randomPieces;
    const reference = [...all.values()][0]!;
    for (const [secret, hists] of all) {
      hists.forEach((h, u) => {
        // identical to the first secret's histogram ...
        expect([secret, u, [...h.entries()].sort()]).toEqual([
          secret,
          u,
          [...reference[u]!.entries()].sort(),
        ]);
        // ... and uniform over every joint value of k-1 shares
        const outcomes = (1 << bits) ** ((k - 1) * (layout.p - 1));
        expect(h.size).toBe(outcomes);
        for (const count of h.values()) expect(count).toBe(randoms / outcomes);
      });
    }
  });

  it('negative control: k shares are NOT independent of the secret', () => {
    const layout = layoutOf(2, 3, 2);
    const payloads = Array.from({ length: 3 }, () => new Uint8Array(2));
    const seen = new Set<string>();
    for (const secret of [new Uint8Array([0, 0]), new Uint8Array([1, 0])]) {
      const keys: string[] = [];
      for (let r = 0; r < 4; r++) {
        deal(layout, secret, new Uint8Array([r & 1, r >> 1]), payloads);
        keys.push(`${payloads[0]}|${payloads[1]}`);
      }
      seen.add(keys.sort().join(';'));
    }
    expect(seen.size).toBe(2);
  });
});
