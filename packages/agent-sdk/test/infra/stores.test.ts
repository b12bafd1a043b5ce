// Durable log (line format vectors, torn tail, corruption), file trust registry and file relay
// store: durability across reopen and serialisation of concurrent writers in one process.
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createKeyDocument, generateIdentity } from '../../src/index.js';
import {
  DurableLog,
  decodeLogLine,
  encodeLogLine,
  FileRelayStore,
  FileTrustRegistry,
} from '../../src/node/index.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'xlink-stores-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function keyDoc() {
  const id = generateIdentity();
  if (!id.ok) throw new Error('identity');
  const doc = createKeyDocument(id.value);
  if (!doc.ok) throw new Error('doc');
  return doc.value;
}

describe('durable log line format', () => {
  // Known-answer vectors, also printed in docs/formats.md#durable-log-line-format.
  const vectors: [unknown, string][] = [
    [{ t: 'put', id: 'a', n: 1 }, '26:cadb845d:{"t":"put","id":"a","n":1}\n'],
    [{ name: 'é' }, '13:d276c622:{"name":"é"}\n'],
  ];
  it('encodes the documented vectors byte for byte and decodes them back', () => {
    for (const [rec, line] of vectors) {
      const e = encodeLogLine(rec);
      expect(e.ok && e.value.toString('utf8')).toBe(line);
      const d = decodeLogLine(Buffer.from(line.slice(0, -1), 'utf8'));
      expect(d?.record).toEqual(rec);
    }
  });
  it('rejects wrong length, wrong CRC, upper-case hex, leading zeros and bad JSON', () => {
    const bad = [
      '25:cadb845d:{"t":"put","id":"a","n":1}',
      '26:cadb845e:{"t":"put","id":"a","n":1}',
      '26:CADB845D:{"t":"put","id":"a","n":1}',
      '026:cadb845d:{"t":"put","id":"a","n":1}',
      '3:00000000:{x}',
      '',
      'garbage',
    ];
    for (const l of bad) expect(decodeLogLine(Buffer.from(l))).toBeUndefined();
  });
  it('refuses records above the size limit', () => {
    const r = encodeLogLine({ x: 'y'.repeat(100) }, 50);
    expect(!r.ok && r.error.code).toBe('LOG_RECORD_TOO_LARGE');
  });
});

describe('DurableLog', () => {
  it('replays appended records in order after reopen', async () => {
    const path = join(tmp(), 'a.jsonl');
    const o = await DurableLog.open(path);
    if (!o.ok) throw new Error(o.error.message);
    const writes = Array.from({ length: 200 }, (_, i) => o.value.log.append({ i }));
    const results = await Promise.all(writes);
    expect(results.every((r) => r.ok)).toBe(true);
    await o.value.log.close();
    const again = await DurableLog.open(path);
    expect(again.ok && again.value.records).toEqual(Array.from({ length: 200 }, (_, i) => ({ i })));
    if (again.ok) await again.value.log.close();
  });

  it('drops a torn last line, keeps every complete record, and appends cleanly after it', async () => {
    const path = join(tmp(), 'torn.jsonl');
    const o = await DurableLog.open(path);
    if (!o.ok) throw new Error(o.error.message);
    await o.value.log.append({ a: 1 });
    await o.value.log.append({ a: 2 });
    await o.value.log.close();
    appendFileSync(path, '17:0badf00d:{"a":3'); // a write cut short by a crash
    const r = await DurableLog.open(path);
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.records).toEqual([{ a: 1 }, { a: 2 }]);
    expect(r.value.recovery.droppedTailBytes).toBe('17:0badf00d:{"a":3'.length);
    await r.value.log.append({ a: 4 });
    await r.value.log.close();
    const r2 = await DurableLog.open(path);
    expect(r2.ok && r2.value.records).toEqual([{ a: 1 }, { a: 2 }, { a: 4 }]);
    if (r2.ok) await r2.value.log.close();
  });

  it('drops a complete but invalid tail line (garbage after the last good record)', async () => {
    const path = join(tmp(), 'tail.jsonl');
    const good = encodeLogLine({ k: 1 });
    if (!good.ok) throw new Error('enc');
    writeFileSync(path, Buffer.concat([good.value, Buffer.from('\0\0\0\n\0\0')]));
    const r = await DurableLog.open(path);
    expect(r.ok && r.value.records).toEqual([{ k: 1 }]);
    if (r.ok) await r.value.log.close();
    expect(readFileSync(path)).toEqual(good.value);
  });

  it('refuses mid-file corruption (LOG_CORRUPT) instead of dropping acknowledged records; repair keeps valid ones', async () => {
    const path = join(tmp(), 'corrupt.jsonl');
    const a = encodeLogLine({ k: 1 });
    const b = encodeLogLine({ k: 2 });
    if (!a.ok || !b.ok) throw new Error('enc');
    writeFileSync(path, Buffer.concat([a.value, Buffer.from('5:00000000:{bad}\n'), b.value]));
    const r = await DurableLog.open(path);
    expect(!r.ok && r.error.code).toBe('LOG_CORRUPT');
    const fixed = await DurableLog.open(path, { repair: true });
    if (!fixed.ok) throw new Error(fixed.error.message);
    expect(fixed.value.records).toEqual([{ k: 1 }, { k: 2 }]);
    expect(fixed.value.recovery.droppedCorruptLines).toBe(1);
    await fixed.value.log.close();
  });

  it('rewrite (compaction) replaces the file atomically and later appends follow it', async () => {
    const path = join(tmp(), 'rw.jsonl');
    const o = await DurableLog.open(path);
    if (!o.ok) throw new Error(o.error.message);
    for (let i = 0; i < 10; i++) await o.value.log.append({ i });
    const w = await o.value.log.rewrite(() => [{ i: 9 }]);
    expect(w.ok).toBe(true);
    await o.value.log.append({ i: 10 });
    await o.value.log.close();
    const r = await DurableLog.open(path);
    expect(r.ok && r.value.records).toEqual([{ i: 9 }, { i: 10 }]);
    if (r.ok) await r.value.log.close();
  });
});

describe('DurableLog owner lock', () => {
  it('refuses a second open while the owner lives, takes over a dead owner lock', async () => {
    const path = join(tmp(), 'locked.jsonl');
    const a = await DurableLog.open(path);
    if (!a.ok) throw new Error(a.error.message);
    const b = await DurableLog.open(path);
    expect(!b.ok && b.error.code).toBe('LOG_LOCKED');
    await a.value.log.close();
    const c = await DurableLog.open(path);
    expect(c.ok).toBe(true);
    if (c.ok) await c.value.log.close();
    writeFileSync(`${path}.lock`, '999999999'); // a pid that cannot be alive
    const d = await DurableLog.open(path);
    expect(d.ok).toBe(true);
    if (d.ok) await d.value.log.close();
  });
});

describe('FileTrustRegistry', () => {
  it('keeps registrations and revocations across restarts', async () => {
    const path = join(tmp(), 'registry.jsonl');
    const reg = new FileTrustRegistry({ path });
    const d1 = keyDoc();
    const d2 = keyDoc();
    expect((await reg.register({ keyDocument: d1, scopes: ['a'], name: 'one' })).ok).toBe(true);
    expect((await reg.register({ keyDocument: d2, scopes: ['*'] })).ok).toBe(true);
    expect((await reg.revoke(d2.did, 'key_compromise')).ok).toBe(true);
    await reg.close();
    const again = new FileTrustRegistry({ path });
    const r1 = await again.resolve(d1.did);
    const r2 = await again.resolve(d2.did);
    expect(r1.ok && [r1.value.status, r1.value.scopes, r1.value.name]).toEqual([
      'active',
      ['a'],
      'one',
    ]);
    expect(r2.ok && [r2.value.status, r2.value.revocationReason]).toEqual([
      'revoked',
      'key_compromise',
    ]);
    const dup = await again.register({ keyDocument: d1, scopes: ['a'] });
    expect(!dup.ok && dup.error.subCode).toBe('ALREADY_REGISTERED');
    await again.close();
  });

  it('serialises concurrent writers: 20 concurrent registrations of one DID -> exactly one wins', async () => {
    const reg = new FileTrustRegistry({ path: join(tmp(), 'race.jsonl') });
    const d = keyDoc();
    const rs = await Promise.all(
      Array.from({ length: 20 }, () => reg.register({ keyDocument: d, scopes: ['x'] })),
    );
    expect(rs.filter((r) => r.ok).length).toBe(1);
    expect(rs.filter((r) => !r.ok && r.error.subCode === 'ALREADY_REGISTERED').length).toBe(19);
    const many = await Promise.all(
      Array.from({ length: 50 }, () => reg.register({ keyDocument: keyDoc(), scopes: ['x'] })),
    );
    expect(many.every((r) => r.ok)).toBe(true);
    await reg.close();
    const again = new FileTrustRegistry({ path: reg.path });
    expect((await again.list()).ok && again.size).toBe(51);
    await again.close();
  });

  it('refuses to start on a tampered entry (key document no longer verifies)', async () => {
    const path = join(tmp(), 'tampered.jsonl');
    const reg = new FileTrustRegistry({ path });
    const d = keyDoc();
    await reg.register({ keyDocument: d, scopes: ['a'] });
    await reg.close();
    const text = readFileSync(path, 'utf8');
    const json = text.slice(text.indexOf(':', text.indexOf(':') + 1) + 1).trim();
    const rec = JSON.parse(json);
    rec.entry.keyDocument.created += 1; // signature no longer matches
    const line = encodeLogLine(rec);
    if (!line.ok) throw new Error('enc');
    writeFileSync(path, line.value);
    const r = await new FileTrustRegistry({ path }).resolve(d.did);
    expect(!r.ok && [r.error.code, r.error.subCode]).toEqual(['LOOKUP_FAILED', 'STORAGE']);
  });
});

describe('FileRelayStore', () => {
  it('put/pull/ack persist; unacked messages come back after restart; acked ones do not', async () => {
    const path = join(tmp(), 'relay.jsonl');
    const s = await FileRelayStore.open({ path });
    if (!s.ok) throw new Error(s.error.message);
    const a = await s.value.put('did:key:zA', { n: 1 });
    const b = await s.value.put('did:key:zA', { n: 2 });
    await s.value.put('did:key:zB', { n: 3 });
    if (!a.ok || !b.ok) throw new Error('put');
    const p = await s.value.pull('did:key:zA', 10);
    expect(p.ok && p.value.map((m) => m.envelope)).toEqual([{ n: 1 }, { n: 2 }]);
    // acking someone else's id does nothing
    expect(await s.value.ack('did:key:zB', [a.value.id])).toEqual({ ok: true, value: 0 });
    expect(await s.value.ack('did:key:zA', [a.value.id])).toEqual({ ok: true, value: 1 });
    await s.value.close();
    const s2 = await FileRelayStore.open({ path });
    if (!s2.ok) throw new Error(s2.error.message);
    const p2 = await s2.value.pull('did:key:zA', 10);
    expect(p2.ok && p2.value.map((m) => [m.id, m.envelope])).toEqual([[b.value.id, { n: 2 }]]);
    expect(await s2.value.stats()).toEqual({ messages: 2, mailboxes: 2 });
    await s2.value.close();
  });

  it('expires messages after ttlMs and refuses a full mailbox with MAILBOX_FULL', async () => {
    const s = await FileRelayStore.open({
      path: join(tmp(), 'ttl.jsonl'),
      ttlMs: 1000,
      maxMailboxMessages: 2,
    });
    if (!s.ok) throw new Error(s.error.message);
    const t0 = Date.now();
    await s.value.put('did:key:zA', { n: 1 }, t0);
    await s.value.put('did:key:zA', { n: 2 }, t0);
    const full = await s.value.put('did:key:zA', { n: 3 }, t0);
    expect(!full.ok && full.error.code).toBe('MAILBOX_FULL');
    expect((await s.value.pull('did:key:zA', 10, t0 + 999)).ok).toBe(true);
    const later = await s.value.pull('did:key:zA', 10, t0 + 1001);
    expect(later.ok && later.value.length).toBe(0);
    await s.value.close();
  });

  it('compacts the log once dead records dominate, without losing live messages', async () => {
    const path = join(tmp(), 'compact.jsonl');
    const s = await FileRelayStore.open({ path, compactAfter: 50 });
    if (!s.ok) throw new Error(s.error.message);
    const keep = await s.value.put('did:key:zK', { keep: true });
    for (let i = 0; i < 60; i++) {
      const p = await s.value.put('did:key:zA', { i });
      if (p.ok) await s.value.ack('did:key:zA', [p.value.id]);
    }
    await s.value.close();
    const lines = readFileSync(path, 'utf8').trim().split('\n').length;
    expect(lines).toBeLessThan(60);
    const s2 = await FileRelayStore.open({ path });
    if (!s2.ok || !keep.ok) throw new Error('reopen');
    const p = await s2.value.pull('did:key:zK', 10);
    expect(p.ok && p.value.map((m) => m.id)).toEqual([keep.value.id]);
    await s2.value.close();
  });
});
