/**
 * Regression tests from review: aliasing, options read once, Proxy secrets, detached buffers,
 * the 32-bit length limit, error check order, schedule cache behaviour, random fills.
 */
import { describe, expect, it } from 'vitest';
import {
  base45Decode,
  decodeShare,
  encodeShare,
  GROUP_ID_LENGTH,
  hexToBytes,
  reconstruct,
  reconstructInto,
  type Share,
  shareLength,
  split,
} from '../src/index.js';
import { fillRandom } from '../src/lib/random.js';
import { clearScheduleCache, scheduleFor } from '../src/lib/schedule.js';

function shares(secret: Uint8Array, k = 2, n = 3): Share[] {
  const r = split(secret, { threshold: k, shares: n });
  if (!r.ok) throw new Error(r.error.code);
  return r.value;
}

const code = (r: { ok: boolean; error?: { code: string; subCode?: string; field?: string } }) =>
  r.ok
    ? 'ok'
    : `${r.error!.code}${r.error!.subCode ? `:${r.error!.subCode}` : ''}${r.error!.field ? `@${r.error!.field}` : ''}`;

describe('aliasing', () => {
  it('reconstructInto refuses an out buffer that overlaps a share payload', () => {
    const s = shares(crypto.getRandomValues(new Uint8Array(200)));
    expect(code(reconstructInto([s[0]!, s[2]!], s[0]!.payload))).toBe('INVALID_CONFIG@out');
    const big = new Uint8Array(500);
    const inside = { ...s[2]!, payload: big.subarray(100, 300) };
    inside.payload.set(s[2]!.payload);
    expect(code(reconstructInto([s[0]!, inside], big.subarray(250, 450)))).toBe(
      'INVALID_CONFIG@out',
    );
    expect(code(reconstructInto([s[0]!, inside], big.subarray(300, 500)))).toBe('ok');
  });
});

describe('options and secrets are taken once, as plain values', () => {
  it('a threshold getter cannot hand the dealer a different k than the check saw', () => {
    let reads = 0;
    const options = {
      shares: 3,
      get threshold() {
        reads++;
        return reads === 1 ? 2 : 1;
      },
    };
    const secret = new Uint8Array([0x41, 0x42, 0x43]);
    const r = split(secret, options);
    expect(reads).toBe(1);
    expect(r.ok && r.value.map((s) => s.k)).toEqual([2, 2, 2]);
    const back = r.ok ? reconstruct([r.value[0]!, r.value[1]!]) : r;
    expect(back.ok && Array.from(back.value)).toEqual([0x41, 0x42, 0x43]);
  });

  it('a Proxy posing as a Uint8Array is refused (its traps could re-enter split)', () => {
    const target = new Uint8Array([1, 2, 3, 4]);
    const proxy = new Proxy(target, {});
    expect(proxy instanceof Uint8Array).toBe(true);
    expect(code(split(proxy, { threshold: 2, shares: 3 }))).toBe('INVALID_CONFIG@secret');
  });
});

describe('32-bit limits', () => {
  it('shares whose padded length exceeds 2^32-1 are invalid, not wrapped', () => {
    expect(shareLength(0xffff_ffff, 2)).toBe(2 ** 32);
    const fake: Share = {
      index: 0,
      k: 2,
      n: 2,
      groupId: new Uint8Array(GROUP_ID_LENGTH),
      originalLength: 0xffff_ffff,
      payload: new Uint8Array(8),
    };
    expect(code(encodeShare(fake))).toBe('SHARE_INVALID:BAD_FIELD@share.originalLength');
  });

  it('a header claiming L = 2^32-1 cannot match any 32-bit payload length', () => {
    const h = hexToBytes(
      '49444135 01 0000 00 02 02 000102030405060708090a0b0c0d0e0f ffffffff ffffffff',
    );
    expect(code(decodeShare(h))).toBe('SHARE_INVALID:LENGTH_MISMATCH@payloadLength');
  });
});

describe('decoding never throws', () => {
  it('a view of a detached (transferred) buffer is TRUNCATED', () => {
    const bytes = new Uint8Array(40);
    structuredClone(bytes.buffer, { transfer: [bytes.buffer] });
    expect(bytes.length).toBe(0);
    expect(code(decodeShare(bytes))).toBe('SHARE_INVALID:TRUNCATED');
  });

  it('checks run in the documented order', () => {
    // n = 1 and k = 3 > n: n is checked first.
    const a = hexToBytes(
      '49444135 01 0000 00 01 03 000102030405060708090a0b0c0d0e0f 00000002 00000002 a574',
    );
    expect(code(decodeShare(a))).toBe('SHARE_INVALID:BAD_FIELD@n');
    // a 20-byte header with a bad version: the length is checked first.
    const b = hexToBytes('49444135 09 0000 00 03 02 000102030405060708090a');
    expect(code(decodeShare(b))).toBe('SHARE_INVALID:TRUNCATED');
    // bad magic wins over everything else.
    expect(code(decodeShare(hexToBytes('00000000 09')))).toBe('SHARE_INVALID:BAD_MAGIC');
  });

  it.each(['ab', 'é0', '\ud800AB', '00\n'])('Base45 %j is refused', (text) => {
    expect(code(base45Decode(text))).toBe('SHARE_INVALID:BAD_BASE45@text');
  });
});

describe('consistency of every public parameter', () => {
  it.each([
    ['n', (s: Share) => ({ ...s, n: 4 })],
    [
      'originalLength',
      (s: Share) => ({ ...s, originalLength: 9, payload: new Uint8Array(shareLength(9, 3)) }),
    ],
  ] as const)('%s mismatch -> PARAMETER_MISMATCH', (field, mutate) => {
    const s = shares(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    expect(code(reconstruct([s[0]!, mutate(s[1]!)]))).toBe(
      `INCONSISTENT_SHARES:PARAMETER_MISMATCH@shares[1].${field}`,
    );
  });
});

describe('schedule cache', () => {
  it('returns the cached schedule on a hit and derives again after clearing', () => {
    clearScheduleCache();
    const a = scheduleFor(3, 5, 5, [0, 2, 4]);
    expect(scheduleFor(3, 5, 5, [0, 2, 4])).toBe(a);
    expect(scheduleFor(3, 6, 7, [0, 2, 4])).not.toBe(a);
    clearScheduleCache();
    const b = scheduleFor(3, 5, 5, [0, 2, 4]);
    expect(b).not.toBe(a);
    expect(b.terms.map((t) => Array.from(t))).toEqual(a.terms.map((t) => Array.from(t)));
  });
});

describe('randomness', () => {
  it('fills any length, across the 64 KiB request limit, with fresh bytes each time', () => {
    for (const len of [0, 1, 16, 65_536, 65_537, 200_000]) {
      const a = new Uint8Array(len);
      const b = new Uint8Array(len);
      fillRandom(a);
      fillRandom(b);
      if (len >= 16) {
        expect(a.some((x, i) => x !== b[i])).toBe(true);
        expect(a.subarray(len - 16).some((x) => x !== 0)).toBe(true); // the tail was filled too
      }
    }
  });
});
