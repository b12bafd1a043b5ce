// End to end: the real billing server (Fastify, durable JSONL files) on an ephemeral loopback
// port, two agent-sdk agents wrapped with withBilling fetching their shares over HTTP.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Agent,
  type EnvelopeJson,
  LoopbackTransport,
  MemoryTrustRegistry,
} from '@xorida/agent-sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { bytesToHex } from 'xorida';
import {
  type BilledAgent,
  createShareRequest,
  openShareResponse,
  withBilling,
} from '../src/index.js';
import { type BillingServer, runCli, startBillingServer } from '../src/node/index.js';
import { clock, expectErr, must } from './helpers.js';

const DAY = 86_400_000;
const TOKEN = 'e2e-admin-token-0123456789';
const servers: BillingServer[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const s of servers) await s.close().catch(() => {});
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function start(
  dataDir: string,
  c: ReturnType<typeof clock>,
  extra: Record<string, unknown> = {},
) {
  const s = must(
    await startBillingServer({
      dataDir,
      port: 0,
      adminToken: TOKEN,
      now: c.now,
      rateLimit: 1000,
      auditHeadEvery: 4,
      ...extra,
    }),
  );
  servers.push(s);
  return s;
}

async function admin(server: BillingServer, method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function world(extra: Record<string, unknown> = {}) {
  const c = clock(Math.floor(Date.now() / DAY) * DAY + 3_600_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'xpass-e2e-'));
  dirs.push(dataDir);
  const server = await start(dataDir, c, extra);
  const registry = new MemoryTrustRegistry();
  const transport = new LoopbackTransport();
  const a = await Agent.quickstart({ registry, transport });
  const b = await Agent.quickstart({ registry, transport });
  const opts = { billingServer: server.url, serverPublicKey: server.service.publicKey, now: c.now };
  const A = must(withBilling(a, opts));
  const B = must(withBilling(b, opts));
  const created = await admin(server, 'POST', '/connections', {
    didA: a.did,
    didB: b.did,
    scope: 'xlink',
    status: 'active',
  });
  expect(created.status).toBe(201);
  const cid = created.body.connectionId as string;
  let seen = 0;
  const pump = async () => {
    const out: Awaited<ReturnType<BilledAgent['receive']>>[] = [];
    while (seen < transport.outbox.length) {
      const env = transport.outbox[seen] as EnvelopeJson;
      const to = transport.recipients[seen++]!;
      out.push(await (to === a.did ? A : B).receive(env));
    }
    return out;
  };
  return { c, dataDir, server, a, b, A, B, cid, pump };
}

describe('billing server end to end', () => {
  it('lifecycle: paid, suspended, grace, revoked, reactivated', async () => {
    const { c, server, A, B, cid, pump } = await world();
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    must(await A.send({ to: B.did, payload: { n: 1 }, scope: 'chat' }));
    expect((await pump()).map((r) => must(r).payload)).toEqual([null, null, { n: 1 }]);
    must(await B.send({ to: A.did, payload: { n: 2 }, scope: 'chat' }));
    expect(must((await pump())[0]!).payload).toEqual({ n: 2 });

    expect(
      (await admin(server, 'POST', `/connections/${cid}/suspend`, { reason: 'payment_failed' }))
        .body.status,
    ).toBe('suspended');
    c.advance(DAY);
    expectErr(
      await A.send({ to: B.did, payload: { n: 3 }, scope: 'chat' }),
      'CONNECTION_SUSPENDED',
    );
    expectErr(
      await B.send({ to: A.did, payload: { n: 3 }, scope: 'chat' }),
      'CONNECTION_SUSPENDED',
    );

    expect((await admin(server, 'POST', `/connections/${cid}/grace`)).body.status).toBe('grace');
    const status = await admin(server, 'GET', `/connections/${cid}/status`);
    expect(status.body).toMatchObject({ status: 'grace', graceRemainingMs: 72 * 3_600_000 });
    must(await A.send({ to: B.did, payload: { n: 4 }, scope: 'chat' }));
    expect((await pump()).map((r) => must(r).payload).at(-1)).toEqual({ n: 4 });

    expect(
      (await admin(server, 'DELETE', `/connections/${cid}`, { reason: 'unpaid' })).body.status,
    ).toBe('revoked');
    c.advance(DAY);
    expectErr(await A.send({ to: B.did, payload: { n: 5 }, scope: 'chat' }), 'CONNECTION_REVOKED');
    expect((await admin(server, 'POST', `/connections/${cid}/activate`)).body.status).toBe(
      'active',
    );
    must(await A.send({ to: B.did, payload: { n: 6 }, scope: 'chat' }));
    expect((await pump()).map((r) => must(r).payload).at(-1)).toEqual({ n: 6 });
    expect((await admin(server, 'POST', `/connections/${cid}/suspend`, undefined)).status).toBe(
      200,
    );
    expect((await admin(server, 'POST', `/connections/${cid}/suspend`)).status).toBe(409);
  });

  it('replayed share-fetch requests and answers are rejected; admin routes need the token', async () => {
    const { c, server, a, cid } = await world();
    const id = (await import('@xorida/agent-sdk')).importIdentityExport(a.exportIdentity());
    if (!id.ok) throw new Error('identity');
    const fetchShare = async (request: unknown) => {
      const res = await fetch(`${server.url}/shares/fetch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request),
      });
      return { status: res.status, body: await res.json() };
    };
    const first = must(
      createShareRequest({
        connectionId: cid,
        did: a.did,
        sign: id.value.signing.sign,
        now: c.now(),
      }),
    );
    const answer = await fetchShare(first.request);
    expect(answer.status).toBe(200);
    must(
      openShareResponse(answer.body, {
        serverPublicKey: server.service.publicKey,
        did: a.did,
        connectionId: cid,
        challenge: first.challenge,
        now: c.now(),
      }),
    );
    const replayedRequest = await fetchShare(first.request);
    expect(replayedRequest.status).toBe(401);
    expect(replayedRequest.body.error.subCode).toBe('REPLAYED');
    const second = must(
      createShareRequest({
        connectionId: cid,
        did: a.did,
        sign: id.value.signing.sign,
        now: c.now(),
      }),
    );
    expectErr(
      openShareResponse(answer.body, {
        serverPublicKey: server.service.publicKey,
        did: a.did,
        connectionId: cid,
        challenge: second.challenge,
        now: c.now(),
      }),
      'REQUEST_REJECTED',
      'CHALLENGE_MISMATCH',
    );
    expect((await fetch(`${server.url}/connections`)).status).toBe(401);
    expect(
      (
        await fetch(`${server.url}/shares/reconstruct`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
      ).status,
    ).toBe(404);
  });

  it('rate limit: 429 with Retry-After per DID', async () => {
    const { c, server, a, cid } = await world({ rateLimit: 3 });
    const id = (await import('@xorida/agent-sdk')).importIdentityExport(a.exportIdentity());
    if (!id.ok) throw new Error('identity');
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 5; i++) {
      const { request } = must(
        createShareRequest({
          connectionId: cid,
          did: a.did,
          sign: id.value.signing.sign,
          now: c.now(),
        }),
      );
      const res = await fetch(`${server.url}/shares/fetch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request),
      });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
      await res.text();
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });

  it('restart keeps state and the audit log verifies (and an edit is caught)', async () => {
    const { c, server, dataDir, A, B, cid, pump } = await world();
    must(await A.send({ to: B.did, payload: { n: 1 }, scope: 'chat' }));
    await pump();
    await admin(server, 'POST', `/connections/${cid}/suspend`, { reason: 'payment_failed' });
    const key = bytesToHex(server.service.publicKey);
    await server.close();
    const again = await start(dataDir, c);
    expect(bytesToHex(again.service.publicKey)).toBe(key);
    expect((await admin(again, 'GET', `/connections/${cid}/status`)).body.status).toBe('suspended');
    expect((await admin(again, 'POST', `/connections/${cid}/reactivate`)).body.status).toBe(
      'active',
    );
    const head = await (await fetch(`${again.url}/audit/head`)).json();
    writeFileSync(join(dataDir, 'head.json'), JSON.stringify(head));
    const out: string[] = [];
    const io = { out: (s: string) => out.push(s), err: (s: string) => out.push(s) };
    const log = join(dataDir, 'audit.jsonl');
    const verified = await runCli(
      ['audit', 'verify', log, '--public-key', key, '--head', join(dataDir, 'head.json')],
      io,
    );
    expect(verified, out.join('\n')).toBe(0);
    const text = readFileSync(log, 'utf8');
    const edited = join(dataDir, 'edited.jsonl');
    writeFileSync(edited, text.replace('payment_failed', 'payment_okayed'));
    expect(await runCli(['audit', 'verify', edited, '--public-key', key], io)).toBe(1);
    const truncated = join(dataDir, 'truncated.jsonl');
    writeFileSync(truncated, `${text.split('\n').slice(0, 3).join('\n')}\n`);
    expect(
      await runCli(
        ['audit', 'verify', truncated, '--public-key', key, '--head', join(dataDir, 'head.json')],
        io,
      ),
    ).toBe(1);
  });

  it('xpass serve: env configuration, /health, debug endpoints only with the flag', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'xpass-serve-'));
    dirs.push(dataDir);
    const run = async (extraEnv: Record<string, string>, probe: (url: string) => Promise<void>) => {
      const out: string[] = [];
      let failure: unknown;
      const code = await runCli(['serve'], {
        out: (s) => out.push(s),
        err: (s) => out.push(s),
        env: { XPASS_PORT: '0', XPASS_DATA_DIR: dataDir, XPASS_EPOCH_HOURS: '1', ...extraEnv },
        waitForStop: async () => {
          const url = /listening on (\S+)/.exec(out.join('\n'))?.[1] ?? '';
          try {
            await probe(url);
          } catch (e) {
            failure = e;
          }
        },
      });
      if (failure) throw failure;
      expect(code, out.join('\n')).toBe(0);
      return out.join('\n');
    };
    const text = await run({}, async (url) => {
      const health = (await (await fetch(`${url}/health`)).json()) as Record<string, unknown>;
      expect(health).toMatchObject({
        status: 'ok',
        storage: 'file',
        details: { connections: 0, epochMs: 3_600_000 },
      });
      expect(
        (
          await fetch(`${url}/encrypt`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{}',
          })
        ).status,
      ).toBe(404);
      const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
      expect(
        (await fetch(`${url}/connections`, { headers: { authorization: `Bearer ${token}` } }))
          .status,
      ).toBe(200);
    });
    expect(text).toMatch(/admin token: see .*admin-token/);
    const debug = await run(
      { XPASS_ENABLE_DEBUG_ENDPOINTS: '1', XPASS_ADMIN_TOKEN: 'from-env-token-123456' },
      async (url) => {
        expect(
          (
            await fetch(`${url}/encrypt`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: '{}',
            })
          ).status,
        ).toBe(400);
        expect(
          (
            await fetch(`${url}/connections`, {
              headers: { authorization: 'Bearer from-env-token-123456' },
            })
          ).status,
        ).toBe(200);
      },
    );
    expect(debug).toMatch(/WARNING: debug endpoints are ON/);
    const bad = await runCli(['serve'], {
      out: () => {},
      err: () => {},
      env: { XPASS_RATE_LIMIT: 'lots' },
    });
    expect(bad).toBe(2);
  });

  it('Redis backend: state survives a restart, replayed requests are refused', async () => {
    const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    const redisPrefix = `xpass-test-${bytesToHex(crypto.getRandomValues(new Uint8Array(6)))}:`;
    const c = clock(Math.floor(Date.now() / DAY) * DAY + 3_600_000);
    const dataDir = mkdtempSync(join(tmpdir(), 'xpass-redis-'));
    dirs.push(dataDir);
    const first = await start(dataDir, c, { redisUrl, redisPrefix });
    const a = await Agent.quickstart({
      registry: new MemoryTrustRegistry(),
      transport: new LoopbackTransport(),
    });
    const b = await Agent.quickstart({
      registry: new MemoryTrustRegistry(),
      transport: new LoopbackTransport(),
    });
    const created = await admin(first, 'POST', '/connections', {
      didA: a.did,
      didB: b.did,
      scope: 'xlink',
      status: 'active',
    });
    const cid = created.body.connectionId as string;
    const { importIdentityExport } = await import('@xorida/agent-sdk');
    const id = importIdentityExport(a.exportIdentity());
    if (!id.ok) throw new Error('identity');
    const req = must(
      createShareRequest({
        connectionId: cid,
        did: a.did,
        sign: id.value.signing.sign,
        now: c.now(),
      }),
    );
    const post = (server: BillingServer) =>
      fetch(`${server.url}/shares/fetch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(req.request),
      });
    expect((await post(first)).status).toBe(200);
    await admin(first, 'POST', `/connections/${cid}/suspend`, { reason: 'payment_failed' });
    await first.close();
    const second = await start(dataDir, c, { redisUrl, redisPrefix });
    expect((await admin(second, 'GET', `/connections/${cid}/status`)).body.status).toBe(
      'suspended',
    );
    // The challenge was recorded in Redis, so the replay is refused across the restart.
    const replay = await post(second);
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { error: { subCode: string } }).error.subCode).toBe(
      'REPLAYED',
    );
    await second.close();
    const { Redis } = await import('ioredis');
    const r = new Redis(redisUrl);
    const keys = await r.keys(`${redisPrefix}*`);
    if (keys.length > 0) await r.del(...keys);
    await r.quit();
  });
});
