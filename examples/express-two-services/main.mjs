// Two services over HTTP with Express: `orders` asks `billing` for a quote in one envelope and
// gets one sealed, signed reply, which it verifies before using it.
//   billing: POST /xlink -> agent.middleware() verifies the request, sealReply() answers it
//   orders:  POST /checkout (plain JSON from a browser or a job) -> requestReply() to billing
// Both agents share one trust registry; across machines that is an HttpTrustRegistry pointing at
// `xlink serve`, here an in-memory one so the program is complete on its own.
import assert from 'node:assert/strict';
import {
  Agent,
  ENVELOPE_MEDIA_TYPE,
  LoopbackTransport,
  MemoryTrustRegistry,
  requestReply,
  sealReply,
} from '@xorida/agent-sdk';
import express from 'express';

const listen = (app) =>
  new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
  });

const registry = new MemoryTrustRegistry();
// Requests and replies travel in HTTP bodies, so the agents' own transport stays unused here.
const transport = new LoopbackTransport();

// --- billing service ---
const billingAgent = await Agent.create({
  name: 'billing',
  registry,
  transport,
  scopes: ['billing:quote-reply'], // what billing may send
  acceptScopes: ['billing:quote'], // what billing accepts
});
assert.ok(billingAgent.ok, billingAgent.ok || billingAgent.error.code);
const billing = billingAgent.value;
const billingApp = express();
billingApp.post('/xlink', billing.middleware(), async (req, res, next) => {
  const request = req.agentMessage; // verified: signature, registry, scope, replay, time
  const quote = { sku: request.payload.sku, cents: 1999 * request.payload.quantity };
  const reply = await sealReply(billing, request, quote, { scope: 'billing:quote-reply' });
  if (!reply.ok) return next(new Error(reply.error.code));
  res.status(200).type(ENVELOPE_MEDIA_TYPE).send(JSON.stringify(reply.value));
});
const billingServer = await listen(billingApp);
const billingUrl = `http://127.0.0.1:${billingServer.address().port}/xlink`;

// --- orders service ---
const ordersAgent = await Agent.create({
  name: 'orders',
  registry,
  transport,
  scopes: ['billing:quote'],
  acceptScopes: ['billing:quote-reply'],
});
assert.ok(ordersAgent.ok, ordersAgent.ok || ordersAgent.error.code);
const orders = ordersAgent.value;
const ordersApp = express();
ordersApp.post('/checkout', express.json(), async (req, res) => {
  const quote = await requestReply(orders, {
    url: billingUrl,
    to: billing.did,
    payload: { sku: req.body.sku, quantity: req.body.quantity },
    scope: 'billing:quote',
  });
  if (!quote.ok) return res.status(502).json({ error: quote.error.code });
  res.json({ total: quote.value.body.cents, quotedBy: quote.value.message.sender });
});
const ordersServer = await listen(ordersApp);

try {
  const res = await fetch(`http://127.0.0.1:${ordersServer.address().port}/checkout`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sku: 'widget', quantity: 3 }),
  });
  const order = await res.json();
  assert.equal(res.status, 200);
  assert.equal(order.total, 5997);
  assert.equal(order.quotedBy, billing.did);
  console.log(`orders got a verified quote from billing: ${order.total} cents`);

  // Anyone can POST to billing, but only a verifiable envelope gets an answer.
  const forged = await fetch(billingUrl, {
    method: 'POST',
    headers: { 'content-type': ENVELOPE_MEDIA_TYPE },
    body: JSON.stringify({ v: 1, junk: true }),
  });
  assert.equal(forged.status, 400);
  console.log(`billing refused a forged request: ${(await forged.json()).error.code}`);
} finally {
  billingServer.close();
  ordersServer.close();
}
