/**
 * Dispersal and the (k, L, n) ramp (fast-check): every k-subset recovers for n <= 9, sampled
 * subsets for larger n; fewer than k shares are refused; the Into forms match; threshold-only
 * `reconstruct` refuses ramp shares; parameters and buffers are validated.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createDisperser,
  disperse,
  equalBytes,
  reconstruct,
  recover,
  recoverInto,
  type Share,
  shareLength,
  split,
} from '../src/index.js';
import { subsets } from './helpers/elimination.js';

function unwrap<T>(r: { ok: true; value: T } | { ok: false; error: { code: string } }): T {
  if (!r.ok) throw new Error(`unexpected error ${r.error.code}`);
  return r.value;
}

const code = (r: { ok: boolean; error?: { code: string; subCode?: string; field?: string } }) =>
  r.ok ? 'ok' : `${r.error!.code}${r.error!.subCode ? `:${r.error!.subCode}` : ''}`;

function recoversFrom(shares: Share[], pick: readonly number[], data: Uint8Array): void {
  const r = unwrap(recover(pick.map((i) => shares[i]!)));
  expect(equalBytes(r, data)).toBe(true);
}

describe('every k-subset recovers (n <= 9)', () => {
  const cases: Array<[number, number]> = [];
  for (let n = 2; n <= 9; n++) for (let k = 2; k <= n; k++) cases.push([k, n]);

  it.each(cases)('(k,n) = (%i,%i): dispersal (L = k) and a random L', (k, n) => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 3000 }),
        fc.integer({ min: 1, max: k }),
        (data, L) => {
          for (const l of [k, L]) {
            const shares = unwrap(disperse(data, { k, n, L: l }));
            expect(shares).toHaveLength(n);
            for (const s of shares) expect(s.payload.length).toBe(shareLength(data.length, n, l));
            for (const T of subsets(n, k)) recoversFrom(shares, T, data);
            // more than k shares, in any order: the k smallest indices are used
            recoversFrom(shares, [...shares.keys()].reverse(), data);
          }
        },
      ),
      { numRuns: 2 },
    );
  });
});

describe('sampled larger parameters', () => {
  it('10 <= n <= 40, random k, L and k-subsets', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 10, max: 40 })
          .chain((n) =>
            fc.tuple(
              fc.constant(n),
              fc.integer({ min: 2, max: Math.min(n, 8) }),
              fc.uint8Array({ minLength: 1, maxLength: 2000 }),
              fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: n, maxLength: n }),
              fc.double({ min: 0, max: 1, noNaN: true }),
            ),
          ),
        ([n, k, data, order, lFrac]) => {
          const L = 1 + Math.floor(lFrac * k) - (lFrac === 1 ? 1 : 0);
          const shares = unwrap(disperse(data, { k, n, L }));
          const pick = order
            .map((o, i) => [o, i] as const)
            .sort((a, b) => a[0] - b[0])
            .slice(0, k)
            .map(([, i]) => i);
          recoversFrom(shares, pick, data);
          const fewer = recover(pick.slice(1).map((i) => shares[i]!));
          expect(code(fewer)).toBe('INSUFFICIENT_SHARES');
        },
      ),
      { numRuns: 15 },
    );
  });
});

describe('shares and refusals', () => {
  const data = new TextEncoder().encode('dispersal gives no secrecy on its own');

  it('each dispersal share is about data/k bytes', () => {
    for (const [k, n] of [
      [2, 3],
      [3, 5],
      [4, 7],
    ] as const) {
      const big = new Uint8Array(1 << 16).fill(7);
      const shares = unwrap(disperse(big, { k, n }));
      for (const s of shares) expect(s.payload.length).toBeLessThanOrEqual(big.length / k + n);
      expect(shares[0]!.L).toBe(k);
    }
  });

  it('fewer than k shares are refused with INSUFFICIENT_SHARES and a clear message', () => {
    const shares = unwrap(disperse(data, { k: 3, n: 5 }));
    const r = recover([shares[0]!, shares[4]!]);
    expect(code(r)).toBe('INSUFFICIENT_SHARES');
    expect(r.ok ? '' : r.error.message).toMatch(/need 3 shares/);
    expect(code(recover([]))).toBe('INSUFFICIENT_SHARES');
  });

  it('is deterministic with L = k and a given groupId (no randomness), random with L < k', () => {
    const groupId = new Uint8Array(16).fill(9);
    const a = unwrap(disperse(data, { k: 3, n: 5, groupId }));
    const b = unwrap(disperse(data, { k: 3, n: 5, groupId }));
    expect(a.map((s) => s.payload)).toEqual(b.map((s) => s.payload));
    expect(a[0]!.groupId).toEqual(groupId);
    const c = unwrap(disperse(data, { k: 3, n: 5, L: 2, groupId }));
    const d = unwrap(disperse(data, { k: 3, n: 5, L: 2, groupId }));
    expect(c.map((s) => s.payload)).not.toEqual(d.map((s) => s.payload));
  });

  it('L = 1 gives threshold shares that reconstruct() takes; reconstruct refuses ramp shares', () => {
    const t = unwrap(disperse(data, { k: 2, n: 3, L: 1 }));
    expect(t[0]!.L).toBeUndefined();
    expect(equalBytes(unwrap(reconstruct([t[0]!, t[2]!])), data)).toBe(true);
    const r = unwrap(disperse(data, { k: 2, n: 3 }));
    expect(code(reconstruct([r[0]!, r[1]!]))).toBe('SHARE_INVALID:WRONG_VARIANT');
    // recover takes split() shares too
    const s = unwrap(split(data, { threshold: 2, shares: 3 }));
    expect(equalBytes(unwrap(recover([s[1]!, s[2]!])), data)).toBe(true);
  });

  it('mixed L, a foreign group or a bad L are refused', () => {
    const groupId = new Uint8Array(16);
    const a = unwrap(disperse(data, { k: 3, n: 5, groupId }));
    const b = unwrap(disperse(data, { k: 3, n: 5, L: 2, groupId }));
    expect(code(recover([a[0]!, a[1]!, b[2]!]))).toBe('INCONSISTENT_SHARES:PARAMETER_MISMATCH');
    const c = unwrap(disperse(data, { k: 3, n: 5 }));
    expect(code(recover([a[0]!, a[1]!, c[2]!]))).toBe('INCONSISTENT_SHARES:GROUP_MISMATCH');
    expect(code(recover([{ ...a[0]!, L: 4 }, a[1]!, a[2]!]))).toBe(
      'SHARE_INVALID:RAMP_OUT_OF_RANGE',
    );
  });

  it('validates options, data and groupId', () => {
    const field = (r: ReturnType<typeof disperse>) => (r.ok ? 'ok' : r.error.field);
    expect(field(disperse(data, { k: 1, n: 3 }))).toBe('k');
    expect(field(disperse(data, { k: 4, n: 3 }))).toBe('k');
    expect(field(disperse(data, { k: 2, n: 256 }))).toBe('n');
    expect(field(disperse(data, { k: 3, n: 5, L: 0 }))).toBe('L');
    expect(field(disperse(data, { k: 3, n: 5, L: 4 }))).toBe('L');
    expect(field(disperse(data, { k: 64, n: 67 }))).toBe('L'); // over MAX_RAMP_WORK
    expect(field(disperse(new Uint8Array(0), { k: 2, n: 3 }))).toBe('secret');
    expect(field(disperse(data, { k: 2, n: 3, groupId: new Uint8Array(15) }))).toBe('groupId');
  });
});

describe('zero-allocation forms', () => {
  it('disperseInto and recoverInto match disperse and recover', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 5000 }),
        fc.constantFrom([2, 3], [3, 5], [4, 6]),
        (data, [k, n]) => {
          const d = unwrap(createDisperser({ k: k!, n: n! }));
          const payloads = Array.from(
            { length: n! },
            () => new Uint8Array(d.shareLength(data.length)),
          );
          const groupId = unwrap(d.disperseInto(data, payloads, new Uint8Array(16).fill(1)));
          const ref = unwrap(disperse(data, { k: k!, n: n!, groupId }));
          expect(payloads).toEqual(ref.map((s) => s.payload));
          const out = new Uint8Array(data.length + 3);
          expect(unwrap(recoverInto(ref.slice(n! - k!), out))).toBe(data.length);
          expect(equalBytes(out.subarray(0, data.length), data)).toBe(true);
          d.dispose();
        },
      ),
      { numRuns: 30 },
    );
  });

  it('refuses wrong or overlapping buffers', () => {
    const d = unwrap(createDisperser({ k: 2, n: 3 }));
    const data = new Uint8Array(100).fill(3);
    const len = d.shareLength(100);
    const field = (r: { ok: boolean; error?: { field?: string } }) =>
      r.ok ? 'ok' : r.error!.field;
    expect(field(d.disperseInto(data, [new Uint8Array(len), new Uint8Array(len)]))).toBe(
      'payloads',
    );
    const shared = new Uint8Array(len);
    expect(field(d.disperseInto(data, [shared, shared, new Uint8Array(len)]))).toBe('payloads');
    const shares = unwrap(d.disperse(data));
    expect(field(recoverInto(shares, new Uint8Array(99)))).toBe('out');
    expect(field(recoverInto(shares, shares[0]!.payload))).toBe('out');
  });
});
