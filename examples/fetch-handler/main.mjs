// The Fetch-API handler: `createFetchHandler(agent, { onMessage })` is a
// `(Request) => Promise<Response>`, so one handler serves Hono (here, on Node through
// @hono/node-server), `Bun.serve({ fetch: handler })`, `Deno.serve(handler)` and
// Workers-style `export default { fetch: handler }`. Two services: `inventory` answers stock
// questions; `shop` asks one and verifies the sealed reply.
import assert from 'node:assert/strict';
import { serve } from '@hono/node-server';
import {
  Agent,
  createFetchHandler,
  LoopbackTransport,
  MemoryTrustRegistry,
  requestReply,
} from '@xorida/agent-sdk';
import { Hono } from 'hono';

const registry = new MemoryTrustRegistry(); // across machines: an HttpTrustRegistry
const transport = new LoopbackTransport(); // requests and replies travel in HTTP bodies
const create = async (options) => {
  const r = await Agent.create({ registry, transport, ...options });
  assert.ok(r.ok, r.ok || r.error.code);
  return r.value;
};
const inventory = await create({
  name: 'inventory',
  scopes: ['stock:answer'],
  acceptScopes: ['stock:ask'],
});
const shop = await create({ name: 'shop', scopes: ['stock:ask'], acceptScopes: ['stock:answer'] });

// --- inventory service: a Hono app with the handler on POST /xlink ---
const stock = new Map([['widget', 12]]);
const xlink = createFetchHandler(inventory, {
  replyScope: 'stock:answer',
  // The message is verified before this runs; the returned object is sealed to its sender.
  onMessage: (message) => ({
    sku: message.payload.sku,
    inStock: stock.get(message.payload.sku) ?? 0,
  }),
});
const app = new Hono();
app.post('/xlink', (c) => xlink(c.req.raw));
const server = await new Promise((resolve) => {
  const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
});
const url = `http://127.0.0.1:${server.address().port}/xlink`;

// --- shop service: one request, one verified reply ---
try {
  const answer = await requestReply(shop, {
    url,
    to: inventory.did,
    payload: { sku: 'widget' },
    scope: 'stock:ask',
  });
  assert.ok(answer.ok, answer.ok || answer.error.code);
  assert.equal(answer.value.message.sender, inventory.did);
  assert.deepEqual(answer.value.body, { sku: 'widget', inStock: 12 });
  console.log(`shop verified inventory's reply: ${answer.value.body.inStock} widgets in stock`);

  // A scope the shop was never granted is refused before anything leaves the shop: the agent
  // checks its own registry grant at send, so the request never reaches inventory's onMessage
  // (inventory would refuse it too, with SCOPE_DENIED, before onMessage runs).
  const denied = await requestReply(shop, {
    url,
    to: inventory.did,
    payload: { sku: 'widget' },
    scope: 'stock:write',
  });
  assert.ok(!denied.ok && denied.error.code === 'SCOPE_DENIED', JSON.stringify(denied));
  assert.equal(denied.error.subCode, 'NOT_GRANTED');
  console.log(`a request with an ungranted scope -> ${denied.error.code}/${denied.error.subCode}`);
} finally {
  server.close();
}
