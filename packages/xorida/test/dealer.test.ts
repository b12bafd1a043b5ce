// Splitter.dealer (share by share) against the all-at-once dealer: same bytes for the same
// random stream, including secrets whose last piece is short (read as zeros, no padded copy).
import { describe, expect, it } from 'vitest';
import { createSplitter, equalBytes, reconstruct, type Share } from '../src/index.js';
import { deal, dealShare } from '../src/lib/dealer.js';
import { layoutOf } from '../src/lib/params.js';

const unwrap = <T>(r: { ok: true; value: T } | { ok: false; error: unknown }): T => {
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
};

describe('dealing share by share', () => {
  it('dealShare writes the bytes deal writes, for every share', () => {
    for (const [k, n] of [
      [2, 2],
      [2, 3],
      [3, 5],
      [4, 7],
      [5, 11],
    ] as const)
      for (const len of [1, 2, 7, 64, 1001, 4096 + 3]) {
        const layout = layoutOf(k, n, len);
        const secret = crypto.getRandomValues(new Uint8Array(len));
        const off = 5;
        const random = crypto.getRandomValues(new Uint8Array(off + layout.randomPieces * layout.d));
        const all = Array.from({ length: n }, () => new Uint8Array(layout.padded));
        deal(layout, secret, random, all, off);
        for (let i = 0; i < n; i++) {
          const one = new Uint8Array(layout.padded).fill(0xa5); // stale bytes are overwritten
          dealShare(layout, secret, random, off, i, one);
          expect(equalBytes(one, all[i]!), `k=${k} n=${n} len=${len} i=${i}`).toBe(true);
        }
      }
  });

  it('a dealer deals one split, any k of its shares reconstruct the secret', () => {
    const splitter = unwrap(createSplitter({ threshold: 2, shares: 3 }));
    const secret = crypto.getRandomValues(new Uint8Array(10_001));
    const dealer = unwrap(splitter.dealer(secret));
    const shares: Share[] = [2, 0, 1].map((index) => {
      const payload = new Uint8Array(dealer.shareLength);
      unwrap(dealer.dealInto(index, payload));
      return { index, k: 2, n: 3, groupId: dealer.groupId, originalLength: 10_001, payload };
    });
    dealer.dispose();
    for (const pair of [
      [shares[0]!, shares[1]!],
      [shares[1]!, shares[2]!],
      [shares[0]!, shares[2]!],
    ])
      expect(equalBytes(unwrap(reconstruct(pair)), secret)).toBe(true);
    splitter.dispose();
  });

  it('refuses bad indices, sizes, overlaps and use after dispose', () => {
    const splitter = unwrap(createSplitter({ threshold: 2, shares: 3 }));
    const secret = new Uint8Array(128);
    const dealer = unwrap(splitter.dealer(secret));
    const field = (r: { ok: boolean; error?: { field?: string } }) =>
      r.ok ? 'ok' : r.error?.field;
    expect(field(dealer.dealInto(3, new Uint8Array(dealer.shareLength)))).toBe('index');
    expect(field(dealer.dealInto(0, new Uint8Array(dealer.shareLength + 1)))).toBe('payloads');
    expect(field(dealer.dealInto(0, secret.subarray(0, dealer.shareLength)))).toBe('payloads');
    expect(field(dealer.dealInto(0, new Uint8Array(dealer.shareLength)))).toBe('ok');
    dealer.dispose();
    expect(field(dealer.dealInto(1, new Uint8Array(dealer.shareLength)))).toBe('index');
    expect(field(splitter.dealer(new Uint8Array(0)))).toBe('secret');
    splitter.dispose();
  });
});
