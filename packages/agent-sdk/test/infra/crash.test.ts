// SIGKILL mid-write: a child process runs the real server on file storage while the test
// fires many concurrent relay posts and self-registrations; the child is killed with SIGKILL
// while requests are in flight. A restarted server must start cleanly and hold every record
// that was acknowledged (HTTP 202 / 201, and acks answered 200) before the kill.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import {
  Agent,
  createKeyDocument,
  type EnvelopeJson,
  generateIdentity,
  HttpTrustRegistry,
  keyDocumentToJson,
  LoopbackTransport,
  MemoryTrustRegistry,
  RelayClient,
  signRequest,
} from '../../src/index.js';
import { spawnFixture, waitForLine } from './child.js';
import { cleanup, startServer } from './helpers.js';

it('no acknowledged record is lost when the server is SIGKILLed during concurrent writes', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'xlink-crash-'));
  // Envelopes prepared up front (v2, real signatures) so the write phase is pure I/O.
  const registry = new MemoryTrustRegistry();
  const transport = new LoopbackTransport({ maxOutbox: 100_000 });
  const sender = await Agent.quickstart({ registry, transport });
  const owner = await Agent.quickstart({ registry, transport });
  for (let i = 0; i < 600; i++)
    await sender.send({ to: owner.did, payload: { i }, scope: 'crash' });
  const envelopes: EnvelopeJson[] = transport.outbox.slice();

  const child = spawnFixture('crash-server.ts', [dataDir]);
  const port = Number((await waitForLine(child, /^PORT (\d+)/))[1]);
  const base = `http://127.0.0.1:${port}`;
  const ackedMessages = new Set<string>();
  const ackedDids: string[] = [];
  let killed = false;
  const killAfter = 250;

  const postEnvelope = async (env: EnvelopeJson) => {
    try {
      const r = await fetch(`${base}/relay/${owner.did}`, {
        method: 'POST',
        headers: { 'content-type': 'application/xlink-envelope+json' },
        body: JSON.stringify(env),
      });
      if (r.status === 202) ackedMessages.add(((await r.json()) as { id: string }).id);
    } catch {
      // refused or reset after the kill: not acknowledged
    }
  };
  const register = async () => {
    const id = generateIdentity();
    if (!id.ok) return;
    const doc = createKeyDocument(id.value);
    if (!doc.ok) return;
    const body = JSON.stringify({ keyDocument: keyDocumentToJson(doc.value), scopes: ['crash'] });
    try {
      const r = await fetch(`${base}/registry/register`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...signRequest(id.value, { method: 'POST', path: '/registry/register', body }),
        },
        body,
      });
      if (r.status === 201) ackedDids.push(id.value.did);
    } catch {
      // not acknowledged
    }
  };
  // 32 concurrent writers; SIGKILL as soon as `killAfter` messages are acknowledged.
  let next = 0;
  const worker = async (w: number) => {
    while (!killed && next < envelopes.length) {
      const env = envelopes[next++]!;
      await (w % 4 === 0 ? Promise.all([postEnvelope(env), register()]) : postEnvelope(env));
      if (!killed && ackedMessages.size >= killAfter) {
        killed = true;
        child.kill('SIGKILL');
      }
    }
  };
  // Meanwhile the owner pulls and acks: an acknowledged ack (HTTP 200) must survive the kill too.
  const deleted = new Set<string>();
  // An ack in flight at the kill may or may not have been applied: its ids can be gone without
  // the ack having been acknowledged, so they count neither as lost nor as deleted.
  const ackInFlight = new Set<string>();
  const acker = async () => {
    const c = new RelayClient({
      baseUrl: base,
      signer: owner.requestSigner(),
      retries: 0,
      timeoutMs: 2000,
    });
    while (!killed) {
      const p = await c.pull({ limit: 20 });
      const ids = p.ok ? p.value.slice(0, 10).map((m) => m.id) : [];
      if (ids.length === 0) {
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      for (const id of ids) ackInFlight.add(id);
      const a = await c.ack(ids);
      // A failed ack (the kill, a timeout) may still have been applied: those ids stay in flight.
      if (a.ok)
        for (const id of ids) {
          deleted.add(id);
          ackInFlight.delete(id);
        }
    }
  };
  await Promise.all([...Array.from({ length: 32 }, (_, w) => worker(w)), acker()]);
  if (!killed) child.kill('SIGKILL');
  await new Promise((r) =>
    child.exitCode !== null || child.signalCode ? r(null) : child.once('exit', r),
  );
  expect(child.signalCode).toBe('SIGKILL');
  expect(ackedMessages.size).toBeGreaterThanOrEqual(killAfter);

  // Restart on the same data dir: starts cleanly and holds every acknowledged record.
  const s = await startServer({ dataDir, rateLimit: false });
  try {
    const relay = new RelayClient({ baseUrl: s.url, signer: owner.requestSigner() });
    const stored = new Set<string>();
    for (let round = 0; round < 10; round++) {
      const p = await relay.pull({ limit: 500 });
      if (!p.ok) throw new Error(p.error.message);
      const fresh = p.value.filter((m) => !stored.has(m.id));
      for (const m of fresh) stored.add(m.id);
      if (fresh.length === 0) break;
      await relay.ack(fresh.map((m) => m.id)); // ack so the next pull pages on
    }
    const lost = [...ackedMessages].filter(
      (id) => !deleted.has(id) && !stored.has(id) && !ackInFlight.has(id),
    );
    expect(lost).toEqual([]);
    const resurrected = [...deleted].filter((id) => stored.has(id));
    expect(resurrected).toEqual([]);
    expect(deleted.size).toBeGreaterThan(0);
    const reg = new HttpTrustRegistry({ baseUrl: s.url });
    for (const did of ackedDids) expect((await reg.resolve(did)).ok).toBe(true);
    // and the restarted server takes new writes
    const more = await fetch(`${s.url}/relay/${owner.did}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(envelopes[envelopes.length - 1]),
    });
    expect(more.status).toBe(202);
  } finally {
    await s.server.close();
    cleanup(dataDir);
  }
});

it('SIGTERM: in-flight requests finish (a waiting long-poll answers 200), then the process exits 0', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'xlink-term-'));
  const child = spawnFixture('crash-server.ts', [dataDir]);
  try {
    const port = Number((await waitForLine(child, /^PORT (\d+)/))[1]);
    const base = `http://127.0.0.1:${port}`;
    const owner = await Agent.quickstart();
    const relay = new RelayClient({ baseUrl: base, signer: owner.requestSigner(), retries: 0 });
    const inflight = relay.pull({ waitMs: 10_000 });
    await new Promise((r) => setTimeout(r, 300)); // the pull is now waiting inside the server
    const t0 = Date.now();
    child.kill('SIGTERM');
    const answer = await inflight;
    expect(answer.ok && answer.value).toEqual([]);
    const code = await new Promise((r) =>
      child.exitCode !== null ? r(child.exitCode) : child.once('exit', r),
    );
    expect(code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    cleanup(dataDir);
  }
});
