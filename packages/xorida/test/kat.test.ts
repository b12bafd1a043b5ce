/** Known-answer tests: the worked examples of xorida-scheme.md section 4, byte for byte. */
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes, reconstruct, type Share } from '../src/index.js';
import { deal } from '../src/lib/dealer.js';
import { layoutOf } from '../src/lib/params.js';
import { deriveSchedule } from '../src/lib/schedule.js';

/** Deals with a supplied random stream (the test-only hook) and wraps the payloads as shares. */
function dealKnown(k: number, n: number, secretHex: string, randomHex: string): Share[] {
  const secret = hexToBytes(secretHex);
  const layout = layoutOf(k, n, secret.length);
  const random = hexToBytes(randomHex);
  expect(random.length).toBe(layout.randomPieces * layout.d);
  const payloads = Array.from({ length: n }, () => new Uint8Array(layout.padded));
  deal(layout, secret, random, payloads);
  const groupId = new Uint8Array(16).fill(7);
  return payloads.map((payload, index) => ({
    index,
    k,
    n,
    groupId,
    originalLength: secret.length,
    payload,
  }));
}

const hexOf = (shares: Share[]) => shares.map((s) => bytesToHex(s.payload));

describe('xorida-scheme.md section 4 vectors', () => {
  it('4.1 (2,3) "Hi"', () => {
    const shares = dealKnown(2, 3, '4869', 'a53c');
    expect(hexOf(shares)).toEqual(['a574', 'cc3c', 'ed55']);
    expect(
      deriveSchedule(3, [0, 1])
        .terms.slice(1)
        .map((t) => [...t]),
    ).toEqual([
      [1, 3],
      [0, 2],
    ]);
    expect(
      deriveSchedule(3, [0, 2])
        .terms.slice(1)
        .map((t) => [...t]),
    ).toEqual([
      [0, 2],
      [0, 1, 2, 3],
    ]);
    expect(
      deriveSchedule(3, [1, 2])
        .terms.slice(1)
        .map((t) => [...t]),
    ).toEqual([
      [0, 1, 2, 3],
      [1, 3],
    ]);
    const r = reconstruct([shares[0]!, shares[2]!]);
    expect(r.ok && bytesToHex(r.value)).toBe('4869');
  });

  it('4.2 (2,2) "abc" with padding', () => {
    const shares = dealKnown(2, 2, '616263', '01020304');
    expect(hexOf(shares)).toEqual(['01026266', '62020304']);
    const r = reconstruct(shares);
    expect(r.ok && bytesToHex(r.value)).toBe('616263');
  });

  it('4.3 (3,5) "XOR!"', () => {
    const shares = dealKnown(3, 5, '584f5221', '102132435a6b7c8d9e');
    expect(hexOf(shares)).toEqual(['4a12019c', '5a5de792', '3e8dac41', 'd2ed4928', 'd6340b1e']);
    const s = deriveSchedule(5, [1, 3, 4]);
    expect(s.terms.slice(1).map((t) => [...t])).toEqual([
      [0, 1, 2, 3, 4, 5, 10, 11],
      [1, 2, 3, 4, 6, 8, 9, 11],
      [2, 3, 4, 7, 8, 10],
      [3, 5, 6, 7, 9, 10],
    ]);
    const r = reconstruct([shares[4]!, shares[1]!, shares[3]!]);
    expect(r.ok && bytesToHex(r.value)).toBe('584f5221');
  });
});
