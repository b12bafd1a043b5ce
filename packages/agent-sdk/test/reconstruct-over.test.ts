// reconstruct-over.ts: the secret rebuilt column by column over the first share's payload must
// equal xorida's reconstruct, for piece sizes around the column width and every k-subset order.
import { describe, expect, it } from 'vitest';
import { equalBytes, type Share, split } from 'xorida';
import { reconstructOverShare } from '../src/split-channel/reconstruct-over.js';

const copy = (s: Share): Share => ({ ...s, payload: s.payload.slice() });
function random(len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i += 65_536) crypto.getRandomValues(out.subarray(i, i + 65_536));
  return out;
}

describe('reconstructOverShare', () => {
  for (const [k, n] of [
    [2, 3],
    [3, 5],
    [2, 2],
  ] as const)
    for (const len of [1, 3, 64 * 1024 * 2 + 5, 300_001])
      it(`${k}-of-${n}, ${len} bytes: equals the secret`, () => {
        const secret = random(len);
        const r = split(secret, { threshold: k, shares: n });
        if (!r.ok) throw new Error(r.error.message);
        const pick = [...r.value].reverse().slice(0, k).map(copy);
        const over = reconstructOverShare(pick);
        expect(over?.ok).toBe(true);
        if (!over?.ok) return;
        const low = Math.min(...pick.map((s) => s.index));
        expect(over.value.overwritten).toBe(low);
        expect(equalBytes(over.value.secret, secret)).toBe(true);
        // written over that share's own payload
        expect(over.value.secret.buffer).toBe(pick.find((s) => s.index === low)!.payload.buffer);
      });

  it('shares of two secrets: padding error or tag territory, never a silent secret', () => {
    const a = split(new Uint8Array(1001).fill(1), { threshold: 2, shares: 3 });
    const b = split(new Uint8Array(1001).fill(2), { threshold: 2, shares: 3 });
    if (!a.ok || !b.ok) throw new Error('split');
    const mixed = [copy(a.value[0]!), { ...copy(b.value[1]!), groupId: a.value[0]!.groupId }];
    const over = reconstructOverShare(mixed);
    if (over?.ok) expect(equalBytes(over.value.secret, new Uint8Array(1001).fill(1))).toBe(false);
    else expect(over?.error.subCode).toBe('PADDING_NONZERO');
  });

  it('inconsistent or too few shares: undefined, nothing written', () => {
    const r = split(new Uint8Array(500).fill(9), { threshold: 2, shares: 3 });
    if (!r.ok) throw new Error('split');
    const one = [copy(r.value[0]!)];
    expect(reconstructOverShare(one)).toBeUndefined();
    const dup = [copy(r.value[1]!), copy(r.value[1]!)];
    const before = dup[0]!.payload.slice();
    expect(reconstructOverShare(dup)).toBeUndefined();
    expect(equalBytes(dup[0]!.payload, before)).toBe(true);
    const other = [copy(r.value[0]!), { ...copy(r.value[2]!), originalLength: 499 }];
    expect(reconstructOverShare(other)).toBeUndefined();
  });
});
