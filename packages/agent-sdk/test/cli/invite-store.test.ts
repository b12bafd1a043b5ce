// Used invite secrets survive a restart (file store) and are set-once across clients (Redis).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { FileInviteStore, RedisInviteStore } from '../../src/node/index.js';

const root = mkdtempSync(join(tmpdir(), 'xlink-invites-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('invite stores', () => {
  it('FileInviteStore: one-time, durable across reopen, concurrent redemptions: exactly one wins', async () => {
    const path = join(root, 'invites.jsonl');
    const a = await FileInviteStore.open(path);
    if (!a.ok) throw new Error(a.error.message);
    const exp = Date.now() + 60_000;
    const both = await Promise.all([a.value.markUsed('k1', exp), a.value.markUsed('k1', exp)]);
    expect(both.map((r) => r.ok && r.value).sort()).toEqual([false, true]);
    await a.value.close();
    const b = await FileInviteStore.open(path);
    if (!b.ok) throw new Error(b.error.message);
    expect(await b.value.markUsed('k1', exp)).toEqual({ ok: true, value: false });
    expect(await b.value.markUsed('k2', exp)).toEqual({ ok: true, value: true });
    await b.value.close();
  });

  it('RedisInviteStore: SET NX, shared by two clients', async () => {
    const c1 = new Redis('redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
    const c2 = new Redis('redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
    await c1.connect();
    await c2.connect();
    try {
      const prefix = `xlink-test:invite:${process.pid}:${Date.now()}:`;
      const s1 = new RedisInviteStore(c1, prefix);
      const s2 = new RedisInviteStore(c2, prefix);
      const exp = Date.now() + 60_000;
      expect(await s1.markUsed('k', exp)).toEqual({ ok: true, value: true });
      expect(await s2.markUsed('k', exp)).toEqual({ ok: true, value: false });
      expect(await c1.pttl(`${prefix}k`)).toBeGreaterThan(60_000);
      await c1.del(`${prefix}k`);
    } finally {
      c1.disconnect();
      c2.disconnect();
    }
  });
});
