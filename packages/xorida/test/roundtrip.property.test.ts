/**
 * Property tests (fast-check): any k distinct shares, or more, recover the secret; fewer than k
 * fail with INSUFFICIENT_SHARES; shares of different splits fail with INCONSISTENT_SHARES.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createSplitter,
  equalBytes,
  reconstruct,
  reconstructInto,
  type Share,
  shareLength,
  split,
} from '../src/index.js';

function unwrap<T>(r: { ok: true; value: T } | { ok: false; error: { code: string } }): T {
  if (!r.ok) throw new Error(`unexpected error ${r.error.code}`);
  return r.value;
}

/** A random subset of `shares` with `size` elements, picked by fast-check. */
const pick = (shares: Share[], order: number[], size: number) =>
  order
    .map((o, i) => [o, i] as const)
    .sort((a, b) => a[0] - b[0])
    .slice(0, size)
    .map(([, i]) => shares[i]!);

function checkRoundTrip(k: number, n: number, secret: Uint8Array, order: number[], extra: number) {
  const shares = unwrap(split(secret, { threshold: k, shares: n }));
  expect(shares).toHaveLength(n);
  for (const s of shares) expect(s.payload.length).toBe(shareLength(secret.length, n));
  const exact = unwrap(reconstruct(pick(shares, order, k)));
  expect(equalBytes(exact, secret)).toBe(true);
  const superset = unwrap(reconstruct(pick(shares, order, Math.min(n, k + extra))));
  expect(equalBytes(superset, secret)).toBe(true);
  const fewer = reconstruct(pick(shares, order, k - 1));
  expect(fewer.ok ? 'ok' : fewer.error.code).toBe('INSUFFICIENT_SHARES');
}

describe('round trips', () => {
  const small: Array<[number, number]> = [];
  for (let n = 2; n <= 16; n++) for (let k = 2; k <= n; k++) small.push([k, n]);

  it.each(small)(
    '(k,n) = (%i,%i): random secrets of 1..4096 bytes, random subsets and supersets',
    (k, n) => {
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: 1, maxLength: 4096 }),
          fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: n, maxLength: n }),
          fc.integer({ min: 0, max: n }),
          (secret, order, extra) => checkRoundTrip(k, n, secret, order, extra),
        ),
        { numRuns: 4 },
      );
    },
  );

  it('sampled (k,n) with 17 <= n <= 255 and secrets of 1..256 bytes', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 17, max: 255 })
          .chain((n) =>
            fc.tuple(
              fc.constant(n),
              fc.integer({ min: 2, max: Math.min(n, 40) }),
              fc.uint8Array({ minLength: 1, maxLength: 256 }),
              fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: n, maxLength: n }),
            ),
          ),
        ([n, k, secret, order]) => checkRoundTrip(k, n, secret, order, 1),
      ),
      { numRuns: 12 },
    );
  });

  it.each([
    [2, 255],
    [255, 255],
  ])('extreme (k,n) = (%i,%i)', (k, n) => {
    const secret = crypto.getRandomValues(new Uint8Array(300));
    const order = Array.from({ length: n }, () => Math.random());
    checkRoundTrip(k, n, secret, order, 0);
  });

  it.each([
    [2, 3],
    [3, 5],
    [4, 7],
  ])('1 MiB secret at (%i,%i), aligned and unaligned pieces', (k, n) => {
    const secret = new Uint8Array(1 << 20);
    crypto.getRandomValues(secret.subarray(0, 65536));
    secret.copyWithin(65536, 0, (1 << 20) - 65536);
    checkRoundTrip(
      k,
      n,
      secret,
      Array.from({ length: n }, (_, i) => n - i),
      0,
    );
  });

  it('secrets whose length is 1 and whose pieces straddle word boundaries', () => {
    for (const len of [1, 2, 3, 7, 63, 64, 65, 127, 129, 1000, 1001]) {
      for (const [k, n] of [
        [2, 2],
        [2, 3],
        [3, 5],
        [5, 11],
      ] as const) {
        const secret = crypto.getRandomValues(new Uint8Array(len));
        checkRoundTrip(
          k,
          n,
          secret,
          Array.from({ length: n }, () => Math.random()),
          1,
        );
      }
    }
  });
});

describe('consistency checks', () => {
  it('shares of two splits do not mix', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 512 }), (secret) => {
        const a = unwrap(split(secret, { threshold: 2, shares: 3 }));
        const b = unwrap(split(secret, { threshold: 2, shares: 3 }));
        const r = reconstruct([a[0]!, b[1]!]);
        expect(r.ok ? 'ok' : `${r.error.code}:${r.error.subCode}`).toBe(
          'INCONSISTENT_SHARES:GROUP_MISMATCH',
        );
      }),
      { numRuns: 50 },
    );
  });

  it('mismatched k, n or length and duplicate indices are refused', () => {
    const secret = new Uint8Array([1, 2, 3, 4, 5]);
    const a = unwrap(split(secret, { threshold: 2, shares: 3 }));
    const same = { ...a[1]!, k: 3 };
    const r1 = reconstruct([a[0]!, same]);
    expect(r1.ok ? 'ok' : r1.error.subCode).toBe('PARAMETER_MISMATCH');
    const r2 = reconstruct([a[0]!, a[0]!]);
    expect(r2.ok ? 'ok' : `${r2.error.code}:${r2.error.subCode}`).toBe(
      'INCONSISTENT_SHARES:DUPLICATE_INDEX',
    );
    const r3 = reconstruct([]);
    expect(r3.ok ? 'ok' : r3.error.code).toBe('INSUFFICIENT_SHARES');
    const r4 = reconstruct([a[0]!, { ...a[1]!, payload: a[1]!.payload.subarray(1) }]);
    expect(r4.ok ? 'ok' : `${r4.error.code}:${r4.error.subCode}`).toBe(
      'SHARE_INVALID:LENGTH_MISMATCH',
    );
  });

  it('a corrupted share never throws; when the padding catches it, RECONSTRUCT_FAILED', () => {
    // L = 3 at n = 3 pads to 4 bytes: one padding byte is checked.
    let caught = 0;
    for (let trial = 0; trial < 200; trial++) {
      const shares = unwrap(split(new Uint8Array([9, 8, 7]), { threshold: 2, shares: 3 }));
      const bad = shares[2]!.payload.slice();
      bad[trial % bad.length]! ^= 1 + (trial % 255);
      const r = reconstruct([shares[0]!, { ...shares[2]!, payload: bad }]);
      if (!r.ok) {
        expect(`${r.error.code}:${r.error.subCode}`).toBe('RECONSTRUCT_FAILED:PADDING_NONZERO');
        caught++;
      }
    }
    expect(caught).toBeGreaterThan(0);
  });
});

describe('invalid configuration', () => {
  const secret = new Uint8Array([1]);
  it.each([
    [{ threshold: 1, shares: 3 }, 'threshold'],
    [{ threshold: 4, shares: 3 }, 'threshold'],
    [{ threshold: 2, shares: 256 }, 'shares'],
    [{ threshold: 2, shares: 1 }, 'shares'],
    [{ threshold: 2.5, shares: 3 }, 'threshold'],
    [{ threshold: 2, shares: Number.NaN }, 'shares'],
  ])('%o -> INVALID_CONFIG on %s', (options, field) => {
    const r = split(secret, options);
    expect(r.ok ? 'ok' : `${r.error.code}@${r.error.field}`).toBe(`INVALID_CONFIG@${field}`);
  });

  it('empty or non-byte secrets are refused', () => {
    const r1 = split(new Uint8Array(0), { threshold: 2, shares: 2 });
    expect(r1.ok ? 'ok' : `${r1.error.code}@${r1.error.field}`).toBe('INVALID_CONFIG@secret');
    const r2 = split('text' as unknown as Uint8Array, { threshold: 2, shares: 2 });
    expect(r2.ok ? 'ok' : `${r2.error.code}@${r2.error.field}`).toBe('INVALID_CONFIG@secret');
  });
});

describe('zero-allocation variants', () => {
  it('splitInto writes caller buffers that reconstruct like split', () => {
    const splitter = unwrap(createSplitter({ threshold: 3, shares: 5 }));
    for (const len of [1, 100, 4096, 10_000]) {
      const secret = crypto.getRandomValues(new Uint8Array(len));
      const payloads = Array.from({ length: 5 }, () => new Uint8Array(splitter.shareLength(len)));
      const groupId = unwrap(splitter.splitInto(secret, payloads));
      const shares: Share[] = payloads.map((payload, index) => ({
        index,
        k: 3,
        n: 5,
        groupId,
        originalLength: len,
        payload,
      }));
      const out = new Uint8Array(len + 8).fill(0xee);
      expect(unwrap(reconstructInto([shares[4]!, shares[0]!, shares[2]!], out))).toBe(len);
      expect(equalBytes(out.subarray(0, len), secret)).toBe(true);
      expect(out[len]).toBe(0xee); // nothing written past originalLength
    }
    splitter.dispose();
  });

  it('splitInto refuses wrong sizes and overlapping buffers', () => {
    const splitter = unwrap(createSplitter({ threshold: 2, shares: 3 }));
    const secret = new Uint8Array(64);
    const wrong = splitter.splitInto(secret, [new Uint8Array(64), new Uint8Array(64)]);
    expect(wrong.ok ? 'ok' : wrong.error.field).toBe('payloads');
    const big = new Uint8Array(128);
    const overlap = splitter.splitInto(secret, [
      big.subarray(0, 64),
      big.subarray(32, 96),
      new Uint8Array(64),
    ]);
    expect(overlap.ok ? 'ok' : overlap.error.message).toMatch(/overlaps/);
    const aliasSecret = splitter.splitInto(big.subarray(0, 64), [
      big.subarray(0, 64),
      new Uint8Array(64),
      new Uint8Array(64),
    ]);
    expect(aliasSecret.ok ? 'ok' : aliasSecret.error.message).toMatch(/overlaps the secret/);
  });

  it('two splits of one secret use fresh randomness', () => {
    const secret = new Uint8Array(32);
    const a = unwrap(split(secret, { threshold: 2, shares: 2 }));
    const b = unwrap(split(secret, { threshold: 2, shares: 2 }));
    expect(equalBytes(a[0]!.payload, b[0]!.payload)).toBe(false);
    expect(equalBytes(a[0]!.groupId, b[0]!.groupId)).toBe(false);
  });
});
