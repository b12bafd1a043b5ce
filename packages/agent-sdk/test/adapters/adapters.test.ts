// Framework adapters over real loopback HTTP: the Fetch handler (served by Hono's Node server,
// alone and mounted in a Hono app; Deno.serve and Bun.serve serve it in the runtime matrix) and the Fastify plugin (a listening server, not
// inject), each answering a request with a sealed reply the requester verifies.
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Agent,
  createFetchHandler,
  ENVELOPE_MEDIA_TYPE,
  generateIdentity,
  isXlinkError,
  LoopbackTransport,
  MemoryTrustRegistry,
  openReply,
  requestReply,
  sealEnvelope,
  sealReply,
} from '../../src/index.js';
import { xlinkFastify } from '../../src/node/index.js';
import { postRaw, serveFetch } from './serve-fetch.js';

const registry = new MemoryTrustRegistry();
const transport = new LoopbackTransport();
let client: Agent;
let server: Agent;
let stranger: Agent;

async function agent(name: string, scopes: string[], acceptScopes?: string[]): Promise<Agent> {
  const r = await Agent.create({
    name,
    registry,
    transport,
    scopes,
    ...(acceptScopes ? { acceptScopes } : {}),
  });
  if (!r.ok) throw new Error(r.error.code);
  return r.value;
}

beforeAll(async () => {
  client = await agent('client', ['quote:ask', 'other'], ['quote:answer']);
  server = await agent('server', ['quote:answer'], ['quote:ask']);
  stranger = await agent('stranger', ['quote:answer']);
});

const onMessage = (m: { payload: unknown; sender: string }) => {
  const p = m.payload as { item?: string; silent?: boolean; boom?: boolean };
  if (p.boom) throw new Error('secret detail');
  if (p.silent) return undefined;
  return { item: p.item, price: 42, askedBy: m.sender };
};

/** The checks every adapter must pass, given its endpoint URL. */
function adapterSuite(name: string, endpoint: () => string) {
  describe(name, () => {
    it('answers a request with a sealed reply the requester verifies', async () => {
      const r = await requestReply(client, {
        url: endpoint(),
        to: server.did,
        payload: { item: 'widget' },
        scope: 'quote:ask',
      });
      expect(r.ok ? r.value.body : r.error).toEqual({
        item: 'widget',
        price: 42,
        askedBy: client.did,
      });
      if (!r.ok) return;
      expect(r.value.message.sender).toBe(server.did);
      expect(r.value.message.scope).toBe('quote:answer');
    });

    it('answers bad requests with the error shape and status', async () => {
      const sealed = await sealEnvelope(client, {
        to: server.did,
        payload: { item: 'x' },
        scope: 'quote:ask',
      });
      if (!sealed.ok) throw new Error(sealed.error.code);
      const body = JSON.stringify(sealed.value);
      const wrongType = await postRaw(endpoint(), body, 'application/json');
      expect([
        wrongType.status,
        wrongType.json?.error?.code,
        wrongType.json?.error?.subCode,
      ]).toEqual([415, 'ENVELOPE_INVALID', 'MEDIA_TYPE']);
      const junk = await postRaw(endpoint(), '{"junk":true}', ENVELOPE_MEDIA_TYPE);
      expect([junk.status, junk.json?.error?.code]).toEqual([400, 'ENVELOPE_INVALID']);
      const notJson = await postRaw(endpoint(), 'not json at all', ENVELOPE_MEDIA_TYPE);
      expect([notJson.status, notJson.json?.error?.code]).toEqual([400, 'ENVELOPE_INVALID']);
      const big = await postRaw(endpoint(), 'x'.repeat(70_000), ENVELOPE_MEDIA_TYPE);
      expect([big.status, big.json?.error?.code]).toEqual([400, 'PAYLOAD_TOO_LARGE']);
      const first = await postRaw(endpoint(), body, ENVELOPE_MEDIA_TYPE);
      expect([first.status, first.type?.split(';')[0]]).toEqual([200, ENVELOPE_MEDIA_TYPE]);
      const replay = await postRaw(endpoint(), body, ENVELOPE_MEDIA_TYPE);
      expect([replay.status, replay.json?.error?.code]).toEqual([401, 'REPLAY_DETECTED']);
      const denied = await requestReply(client, {
        url: endpoint(),
        to: server.did,
        payload: { item: 'x' },
        scope: 'other',
      });
      expect(!denied.ok && [denied.error.code, denied.error.subCode]).toEqual([
        'SEND_FAILED',
        'SCOPE_DENIED',
      ]);
      for (const r of [wrongType, junk, big, replay])
        expect(Object.keys(r.json?.error ?? {}).sort()).toEqual(
          r.json?.error?.subCode
            ? ['code', 'hint', 'message', 'subCode']
            : ['code', 'hint', 'message'],
        );
    });

    it('204 without a reply, 500 without the handler error text when it throws', async () => {
      const silent = await requestReply(client, {
        url: endpoint(),
        to: server.did,
        payload: { silent: true },
        scope: 'quote:ask',
      });
      expect(!silent.ok && [silent.error.code, silent.error.subCode]).toEqual([
        'SEND_FAILED',
        'NO_REPLY',
      ]);
      const sealed = await sealEnvelope(client, {
        to: server.did,
        payload: { boom: true },
        scope: 'quote:ask',
      });
      if (!sealed.ok) throw new Error(sealed.error.code);
      const boom = await postRaw(endpoint(), JSON.stringify(sealed.value), ENVELOPE_MEDIA_TYPE);
      expect([boom.status, boom.json?.error?.code]).toEqual([500, 'INTERNAL']);
      expect(JSON.stringify(boom.json)).not.toContain('secret detail');
    });
  });
}

let fetchUrl = '';
let honoUrl = '';
let closeFetch: () => Promise<void> = async () => {};
let fastify: FastifyInstance;
let fastifyUrl = '';

beforeAll(async () => {
  const handler = createFetchHandler(server, {
    onMessage,
    replyScope: 'quote:answer',
    maxBodyBytes: 64 * 1024,
  });
  const served = await serveFetch(handler);
  fetchUrl = `${served.url}/xlink`;
  const app = new Hono();
  app.post('/xlink', (c) => handler(c.req.raw));
  const honoServed = await serveFetch(app.fetch);
  honoUrl = `${honoServed.url}/xlink`;
  closeFetch = async () => {
    await served.close();
    await honoServed.close();
  };
  fastify = Fastify({ logger: false });
  await fastify.register(xlinkFastify, {
    agent: server,
    prefix: '/xlink',
    onMessage,
    replyScope: 'quote:answer',
    maxBodyBytes: 64 * 1024,
  });
  await fastify.listen({ port: 0, host: '127.0.0.1' });
  fastifyUrl = `http://127.0.0.1:${(fastify.server.address() as AddressInfo).port}/xlink`;
});

afterAll(async () => {
  await closeFetch();
  await fastify?.close();
});

adapterSuite('createFetchHandler served alone', () => fetchUrl);
adapterSuite('createFetchHandler mounted in a Hono app', () => honoUrl);
adapterSuite('xlinkFastify on a listening Fastify server', () => fastifyUrl);

describe('Fetch handler specifics', () => {
  it('refuses a method other than POST with 405', async () => {
    const res = await fetch(fetchUrl);
    expect([
      res.status,
      ((await res.json()) as { error: { subCode: string } }).error.subCode,
    ]).toEqual([405, 'METHOD']);
  });
});

describe('reply binding', () => {
  it('refuses a reply for another request, from another DID, or without a reply payload', async () => {
    const req1 = { sender: client.did, nonce: 'AAAAAAAAAAAAAAAAAAAAAA', scope: 'quote:answer' };
    const reply1 = await sealReply(server, req1, { n: 1 });
    if (!reply1.ok) throw new Error(reply1.error.code);
    const other = await openReply(
      client,
      { to: server.did, nonce: 'BBBBBBBBBBBBBBBBBBBBBB' },
      reply1.value,
    );
    expect(!other.ok && other.error.subCode).toBe('REPLY_MISMATCH');
    const forged = await sealReply(stranger, req1, { n: 2 });
    if (!forged.ok) throw new Error(forged.error.code);
    const fromStranger = await openReply(
      client,
      { to: server.did, nonce: req1.nonce },
      forged.value,
    );
    expect(!fromStranger.ok && fromStranger.error.subCode).toBe('REPLY_SENDER');
    const plain = await sealEnvelope(server, {
      to: client.did,
      payload: { n: 3 },
      scope: 'quote:answer',
    });
    if (!plain.ok) throw new Error(plain.error.code);
    const notReply = await openReply(client, { to: server.did, nonce: req1.nonce }, plain.value);
    expect(!notReply.ok && notReply.error.subCode).toBe('REPLY_MISMATCH');
    const good = await sealReply(server, { ...req1, nonce: 'CCCCCCCCCCCCCCCCCCCCCC' }, { n: 4 });
    if (!good.ok) throw new Error(good.error.code);
    const opened = await openReply(
      client,
      { to: server.did, nonce: 'CCCCCCCCCCCCCCCCCCCCCC' },
      good.value,
    );
    expect(opened.ok && opened.value.body).toEqual({ n: 4 });
  });

  it('a reply body must be an object', async () => {
    const r = await sealReply(server, { sender: client.did, nonce: 'x', scope: 's' }, [] as never);
    expect(!r.ok && [r.error.code, r.error.field]).toEqual(['INVALID_PAYLOAD', 'body']);
  });
});

describe('an identity where an Agent is expected', () => {
  const id = generateIdentity();
  if (!id.ok) throw new Error('keygen');
  it('createFetchHandler throws an XlinkError INVALID_OPTIONS naming agent, not a TypeError', () => {
    let thrown: unknown;
    try {
      createFetchHandler(id.value as never);
    } catch (e) {
      thrown = e;
    }
    expect(thrown instanceof TypeError).toBe(false);
    expect(isXlinkError(thrown) && [thrown.code, thrown.field]).toEqual([
      'INVALID_OPTIONS',
      'agent',
    ]);
    expect((thrown as Error).message).toMatch(/identity, not an Agent/);
  });
  it('xlinkFastify refuses it at registration; requestReply and sealReply return it', async () => {
    const app = Fastify({ logger: false });
    const reg = await app.register(xlinkFastify, { agent: id.value as never }).then(
      () => undefined,
      (e: unknown) => e,
    );
    await app.close().catch(() => undefined);
    expect(isXlinkError(reg) && [reg.code, reg.field]).toEqual(['INVALID_OPTIONS', 'agent']);
    const r = await requestReply(id.value as never, {
      url: fetchUrl,
      to: server.did,
      payload: {},
      scope: 'quote:ask',
    });
    expect(!r.ok && [r.error.code, r.error.field]).toEqual(['INVALID_OPTIONS', 'agent']);
    const s = await sealReply(
      id.value as never,
      { sender: client.did, nonce: 'x', scope: 's' },
      {},
    );
    expect(!s.ok && [s.error.code, s.error.field]).toEqual(['INVALID_OPTIONS', 'agent']);
  });
});
