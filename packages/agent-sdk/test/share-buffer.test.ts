// split-channel/share-buffer.ts on an injected clock: groups completed a moment ago and the
// nonces of late shares are remembered for their TTL, and both memories stay bounded.
import { describe, expect, it } from 'vitest';
import { decodeShare, encodeShare, split } from 'xorida';
import { type IncomingShare, ShareBuffer } from '../src/split-channel/share-buffer.js';

const clock = { t: 1_000_000 };
const SENDER = 'did:key:z6MkSender';

function group(): IncomingShare[] {
  const r = split(crypto.getRandomValues(new Uint8Array(32)), { threshold: 2, shares: 3 });
  if (!r.ok) throw new Error(r.error.code);
  return r.value.map((s, i) => {
    const e = encodeShare(s);
    if (!e.ok) throw new Error(e.error.code);
    const d = decodeShare(e.value);
    if (!d.ok) throw new Error(d.error.code);
    return {
      mode: 'split-channel',
      sender: SENDER,
      recipient: 'did:key:z6MkRecipient',
      scope: 's',
      version: 2,
      timestamp: clock.t,
      nonce: `nonce-${i}`,
      share: d.value,
    };
  });
}

function state(buf: ShareBuffer, part: IncomingShare): string {
  const r = buf.add(part);
  return r.ok ? r.value.state : r.error.code;
}

describe('ShareBuffer memories of delivered groups', () => {
  it('a completed group answers completed-before for one group timeout, then is forgotten', () => {
    const buf = new ShareBuffer({ now: () => clock.t, groupTimeoutMs: 30_000 });
    const g = group();
    expect([state(buf, g[0]!), state(buf, g[1]!), state(buf, g[2]!)]).toEqual([
      'pending',
      'complete',
      'completed-before',
    ]);
    clock.t += 30_001;
    expect(state(buf, g[2]!)).toBe('pending'); // a new group: the old one is forgotten
    buf.clear();
  });

  it('at most maxGroups completed groups are remembered (the least recent go first)', () => {
    const buf = new ShareBuffer({ now: () => clock.t, maxGroups: 2 });
    const groups = [group(), group(), group()];
    for (const g of groups)
      expect([state(buf, g[0]!), state(buf, g[1]!)]).toEqual(['pending', 'complete']);
    expect(state(buf, groups[2]![2]!)).toBe('completed-before');
    expect(state(buf, groups[1]![2]!)).toBe('completed-before');
    expect(state(buf, groups[0]![2]!)).toBe('pending'); // evicted from a memory of 2
    buf.clear();
  });

  it('late-share nonces: found within their TTL, not after it; at most 4 x maxGroups', () => {
    const buf = new ShareBuffer({ now: () => clock.t, maxGroups: 2 });
    const info = {
      mode: 'split-channel',
      recipient: 'r',
      scope: 's',
      groupId: 'g',
      k: 2,
      n: 3,
    } as const;
    buf.rememberLate(SENDER, ['a', 'b'], info, 60_000);
    expect(buf.lateShare(SENDER, 'a')).toEqual(info);
    expect(buf.lateShare('did:key:other', 'a')).toBeUndefined();
    clock.t += 60_001;
    expect(buf.lateShare(SENDER, 'b')).toBeUndefined();
    const many = Array.from({ length: 9 }, (_, i) => `n${i}`);
    buf.rememberLate(SENDER, many, info, 60_000);
    expect(buf.lateShare(SENDER, 'n0')).toBeUndefined(); // 9 into a memory of 8
    expect(buf.lateShare(SENDER, 'n8')).toEqual(info);
  });
});
