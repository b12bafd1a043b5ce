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

  it('k = 2 overlay: toggle(i) makes share i in the stream buffer, toggling again restores it', () => {
    for (const n of [2, 3, 4, 7])
      for (const len of [1, 5, 64, 1001]) {
        const splitter = unwrap(createSplitter({ threshold: 2, shares: n }));
        const secret = crypto.getRandomValues(new Uint8Array(len));
        const dealer = unwrap(splitter.dealer(secret, { overlay: { front: 7, back: 3 } }));
        const ov = dealer.overlay!;
        expect(ov.payload.byteOffset).toBe(7);
        expect(ov.payload.buffer.byteLength).toBe(7 + dealer.shareLength + 3);
        const stream = ov.payload.slice();
        const shares: Share[] = [];
        for (let i = n - 1; i >= 0; i--) {
          const dealt = new Uint8Array(dealer.shareLength);
          unwrap(dealer.dealInto(i, dealt));
          unwrap(ov.toggle(i));
          expect(equalBytes(ov.payload, dealt), `n=${n} len=${len} i=${i}`).toBe(true);
          shares.push({
            index: i,
            k: 2,
            n,
            groupId: dealer.groupId,
            originalLength: len,
            payload: ov.payload.slice(),
          });
          unwrap(ov.toggle(i));
          expect(equalBytes(ov.payload, stream)).toBe(true);
        }
        expect(equalBytes(unwrap(reconstruct([shares[0]!, shares[n - 1]!])), secret)).toBe(true);
        dealer.dispose();
        splitter.dispose();
      }
  });

  it('overlay: one share out at a time, no dealInto meanwhile; absent for k > 2', () => {
    const splitter = unwrap(createSplitter({ threshold: 2, shares: 3 }));
    const dealer = unwrap(
      splitter.dealer(new Uint8Array(100).fill(1), { overlay: { front: 0, back: 0 } }),
    );
    const field = (r: { ok: boolean; error?: { field?: string } }) =>
      r.ok ? 'ok' : r.error?.field;
    expect(field(dealer.overlay!.toggle(1))).toBe('ok');
    expect(field(dealer.overlay!.toggle(2))).toBe('index');
    expect(field(dealer.dealInto(0, new Uint8Array(dealer.shareLength)))).toBe('index');
    expect(field(dealer.overlay!.toggle(1))).toBe('ok');
    expect(field(dealer.dealInto(0, new Uint8Array(dealer.shareLength)))).toBe('ok');
    dealer.dispose();
    expect(field(dealer.overlay!.toggle(0))).toBe('index');
    expect(dealer.overlay!.payload.every((b) => b === 0)).toBe(true);
    const three = unwrap(createSplitter({ threshold: 3, shares: 5 }));
    const d3 = unwrap(three.dealer(new Uint8Array(100), { overlay: { front: 0, back: 0 } }));
    expect(d3.overlay).toBeUndefined();
    d3.dispose();
    three.dispose();
    splitter.dispose();
  });
});
