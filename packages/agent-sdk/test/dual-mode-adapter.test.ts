// DualModeAdapter in all three modes over real HTTP (Express on 127.0.0.1), metrics, and the
// client-side Xlink-first / API-key-fallback adapter.

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Agent,
  DualModeAdapter,
  DualModeClient,
  HttpsTransportAdapter,
  LoopbackTransport,
  MemoryTrustRegistry,
} from '../src/index.js';

const registry = new MemoryTrustRegistry();
let service: Agent;
let client: Agent;
let adapter: DualModeAdapter;
let server: Server;
let url = '';

beforeAll(async () => {
  service = await Agent.quickstart({ name: 'api', registry, transport: new LoopbackTransport() });
  adapter = new DualModeAdapter({
    agent: service,
    legacyKeyValidator: async (k) => (k === 'good-key' ? { userId: 'u1' } : null),
    mode: 'hybrid',
    migrationUrl: 'https://example.test/migrate',
  });
  const app = express();
  app.post('/api/data', adapter.middleware(), (req, res) => {
    const auth = (req as unknown as { auth: Record<string, unknown> }).auth;
    res.json({ mode: auth.mode, did: auth.did ?? null, userId: auth.userId ?? null });
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/data`;
  client = await Agent.quickstart({
    name: 'caller',
    registry,
    transport: new HttpsTransportAdapter({ baseUrl: url, endpoint: 'direct', retries: 0 }),
  });
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const withKey = (how: 'bearer' | 'query' | 'header', key = 'good-key') =>
  fetch(how === 'query' ? `${url}?api_key=${key}` : url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(how === 'bearer' ? { authorization: `Bearer ${key}` } : {}),
      ...(how === 'header' ? { 'x-api-key': key } : {}),
    },
    body: '{}',
  });

describe('DualModeAdapter', () => {
  it('hybrid: API keys (header, query, custom header) and Xlink envelopes both pass', async () => {
    for (const how of ['bearer', 'query', 'header'] as const) {
      const r = await withKey(how);
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual({ mode: 'api-key', did: null, userId: 'u1' });
      expect(r.headers.get('x-deprecated-auth')).toBeNull();
    }
    const sent = await client.send({ to: service.did, payload: { q: 1 }, scope: 'data' });
    expect(sent.ok).toBe(true);
    expect((await withKey('bearer', 'bad-key')).status).toBe(401);
    const none = await fetch(url, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(none.status).toBe(401);
    const m = adapter.getMetrics();
    expect(m).toMatchObject({
      mode: 'hybrid',
      totalRequests: 6,
      xlinkRequests: 1,
      apiKeyRequests: 3,
      failedAuth: 2,
      xlinkPercentage: 25,
      apiKeyPercentage: 75,
    });
    expect(m.avgLatencyMs.xlink).toBeGreaterThan(0);
    expect(m.avgLatencyMs.apiKey).toBeGreaterThanOrEqual(0);
  });

  it('deprecation: keys still work with X-Deprecated-Auth and X-Migration-Url', async () => {
    adapter.setMode('deprecation');
    const r = await withKey('bearer');
    expect(r.status).toBe(200);
    expect(r.headers.get('x-deprecated-auth')).toBe('true');
    expect(r.headers.get('x-migration-url')).toBe('https://example.test/migrate');
    expect((await client.send({ to: service.did, payload: { q: 2 }, scope: 'data' })).ok).toBe(
      true,
    );
    expect(adapter.getMetrics().apiKeyRequestsByMode).toEqual({
      hybrid: 3,
      deprecation: 1,
      'xlink-only': 0,
    });
  });

  it('xlink-only: API key -> 401 with a migration hint; envelopes pass; a replayed envelope fails', async () => {
    adapter.setMode('xlink-only');
    const r = await withKey('bearer');
    expect(r.status).toBe(401);
    const body = await r.json();
    expect(body.error.code).toBe('API_KEY_REJECTED');
    expect(body.error.hint).toContain('https://example.test/migrate');
    const sent = await client.send({ to: service.did, payload: { q: 3 }, scope: 'data' });
    expect(sent.ok).toBe(true);
    if (!sent.ok) return;
    const replay = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/xlink-envelope+json' },
      body: JSON.stringify(sent.value.envelope),
    });
    expect(replay.status).toBe(401);
    const m = adapter.getMetrics();
    expect(m).toMatchObject({
      mode: 'xlink-only',
      xlinkRequests: 3,
      apiKeyRequests: 4,
      failedAuth: 4,
      totalRequests: 11,
    });
    expect(m.xlinkPercentage).toBeCloseTo(42.9, 1);
  });

  it('client: tries Xlink first, falls back to the API key, removeFallback() ends it', async () => {
    adapter.setMode('hybrid');
    const dc = new DualModeClient({
      xlink: { agent: client, to: service.did, scope: 'data' },
      fallback: { type: 'api-key', key: 'good-key', url },
    });
    expect((await dc.call('createCharge', { amount: 100 })).via).toBe('xlink');
    // Xlink broken (unknown recipient): the API key is used
    const broken = new DualModeClient({
      xlink: {
        agent: client,
        to: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK',
        scope: 'data',
      },
      fallback: { type: 'api-key', key: 'good-key', url },
    });
    const fb = await broken.call('createCharge', { amount: 1 });
    expect(fb).toMatchObject({
      via: 'api-key',
      status: 200,
      body: { mode: 'api-key', userId: 'u1' },
    });
    expect(fb.xlinkError).toBe('DID_NOT_IN_REGISTRY');
    expect(broken.getMetrics()).toMatchObject({
      xlinkRequests: 0,
      apiKeyRequests: 1,
      xlinkPercentage: 0,
    });
    broken.removeFallback();
    await expect(broken.call('createCharge')).rejects.toThrow(/no API-key fallback/);
    expect(dc.getMetrics().xlinkPercentage).toBe(100);
  });
});
