// Stripe webhooks against the real billing server on an ephemeral loopback port: event payloads
// in Stripe's shapes, signed with the official package's generateTestHeaderString; outbound
// state-change webhooks to a local HTTP receiver that fails twice before accepting.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity } from '@xorida/agent-sdk';
import { backend } from '@xorida/agent-sdk/crypto';
import Stripe from 'stripe';
import { afterAll, describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from 'xorida';
import {
  type BillingServer,
  startBillingServer,
  verifyOutboundWebhook,
  webhookSigningInput,
} from '../src/node/index.js';
import { must } from './helpers.js';

const SECRET = 'whsec_test_secret_0123456789abcdef';
const TOKEN = 'stripe-admin-token-0123456789';
const dirs: string[] = [];
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c().catch(() => {});
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function did() {
  const id = generateIdentity();
  if (!id.ok) throw new Error(id.error.message);
  return id.value.did;
}

interface Answer {
  received?: boolean;
  outcome?: string;
  connectionId?: string;
  status?: string;
  error?: { code: string; message: string; hint?: string };
}

let seq = 0;
/** A Stripe `event` object (https://docs.stripe.com/api/events/object) around `object`. */
function envelope(type: string, object: Record<string, unknown>) {
  return {
    id: `evt_test_${seq}`,
    object: 'event',
    api_version: '2025-09-30.clover',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object },
  };
}

function invoiceEvent(type: string, customer: string, subscription: string | null) {
  seq++;
  return envelope(type, {
    id: `in_test_${seq}`,
    object: 'invoice',
    customer,
    status: type === 'invoice.paid' ? 'paid' : 'open',
    amount_due: 2000,
    currency: 'usd',
    parent: subscription
      ? {
          type: 'subscription_details',
          quote_details: null,
          subscription_details: { metadata: {}, subscription },
        }
      : null,
  });
}

function subscriptionEvent(type: string, customer: string, subscription: string) {
  seq++;
  const status = type.endsWith('deleted')
    ? 'canceled'
    : type.endsWith('paused')
      ? 'paused'
      : 'active';
  return envelope(type, { id: subscription, object: 'subscription', customer, status });
}

async function deliver(
  server: BillingServer,
  event: unknown,
  opts: { secret?: string; timestamp?: number; header?: string | null } = {},
) {
  const payload = JSON.stringify(event);
  const header =
    opts.header === undefined
      ? Stripe.webhooks.generateTestHeaderString({
          payload,
          secret: opts.secret ?? SECRET,
          ...(opts.timestamp === undefined ? {} : { timestamp: opts.timestamp }),
        })
      : opts.header;
  const res = await fetch(`${server.url}/webhooks/stripe`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json; charset=utf-8',
      ...(header === null ? {} : { 'stripe-signature': header }),
    },
    body: payload,
  });
  return { status: res.status, body: (await res.json()) as Answer };
}

async function createConnection(server: BillingServer) {
  const res = await fetch(`${server.url}/connections`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ didA: did(), didB: did(), scope: 'xlink', status: 'pending' }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { connectionId: string }).connectionId;
}

async function statusOf(server: BillingServer, id: string) {
  const c = await server.service.getConnection(id);
  if (!c.ok) throw new Error(c.error.message);
  return c.value.status;
}

interface Received {
  body: string;
  timestamp: string;
  signature: string;
}

async function receiver(failFirst: number) {
  const got: Received[] = [];
  let hits = 0;
  let first: string | undefined;
  let firstFailures = 0;
  const srv: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hits++;
      const body = Buffer.concat(chunks).toString('utf8');
      first ??= body;
      // the first notification fails `failFirst` times; the others succeed at once
      if (body === first && firstFailures < failFirst) {
        firstFailures++;
        res.statusCode = 500;
        res.end('down');
        return;
      }
      got.push({
        body,
        timestamp: String(req.headers['x-xpass-timestamp']),
        signature: String(req.headers['x-xpass-signature']),
      });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise((r) => srv.close(() => r())));
  const port = (srv.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/hook`, got, hits: () => hits };
}

async function start(dataDir: string, mapping: unknown, extra: Record<string, unknown> = {}) {
  const s = must(
    await startBillingServer({
      dataDir,
      port: 0,
      adminToken: TOKEN,
      logger: false,
      stripeWebhookSecret: SECRET,
      stripeMapping: mapping as never,
      ...extra,
    }),
  );
  closers.push(() => s.close());
  return s;
}

describe('POST /webhooks/stripe', () => {
  it('drives every transition, is idempotent across restarts, refuses bad signatures', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xpass-stripe-'));
    dirs.push(dir);
    const delays: number[] = [];
    const hook = await receiver(2);
    const retry = {
      maxAttempts: 5,
      baseDelayMs: 7,
      sleep: async (ms: number) => {
        delays.push(ms);
      },
    };
    // mapping is filled once the connection ids exist: start, create, restart with the mapping
    let server = await start(dir, { customers: {}, subscriptions: {} });
    const c1 = await createConnection(server);
    const c2 = await createConnection(server);
    await server.close();
    closers.pop();
    const mapping = { subscriptions: { sub_A: c1 }, customers: { cus_B: c2 } };
    server = await start(dir, mapping, { webhookUrls: [hook.url], webhookRetry: retry });

    // listed in the OpenAPI document like every kit route
    const openapi = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(openapi.paths['/webhooks/stripe'] ?? {})).toEqual(['post']);

    const steps: [unknown, string, string][] = [
      [invoiceEvent('invoice.paid', 'cus_A', 'sub_A'), 'applied', 'active'],
      [invoiceEvent('invoice.payment_failed', 'cus_A', 'sub_A'), 'applied', 'grace'],
      [invoiceEvent('invoice.paid', 'cus_A', 'sub_A'), 'applied', 'active'],
      [subscriptionEvent('customer.subscription.paused', 'cus_A', 'sub_A'), 'applied', 'suspended'],
      [subscriptionEvent('customer.subscription.resumed', 'cus_A', 'sub_A'), 'applied', 'active'],
      [subscriptionEvent('customer.subscription.deleted', 'cus_A', 'sub_A'), 'applied', 'revoked'],
      // not reachable from REVOKED: recorded, answered 200 so Stripe stops retrying
      [invoiceEvent('invoice.payment_failed', 'cus_A', 'sub_A'), 'not_applied', 'revoked'],
    ];
    for (const [event, outcome, status] of steps) {
      const r = await deliver(server, event);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.outcome).toBe(outcome);
      expect(await statusOf(server, c1)).toBe(status);
    }
    // customer mapping (no subscription on the invoice)
    const byCustomer = await deliver(server, invoiceEvent('invoice.paid', 'cus_B', null));
    expect(byCustomer.body).toMatchObject({ outcome: 'applied', connectionId: c2 });
    expect(await statusOf(server, c2)).toBe('active');

    // redelivery of the resume event: nothing changes (the connection stays revoked), audited
    const resumed = steps[4]![0];
    const entriesBefore = server.audit.length;
    const again = await deliver(server, resumed);
    expect(again.body.outcome).toBe('duplicate');
    expect(await statusOf(server, c1)).toBe('revoked');
    const last = server.audit.allEntries[server.audit.length - 1]!;
    expect(server.audit.length).toBe(entriesBefore + 1);
    expect(last.type).toBe('provider_event');
    expect(last.detail).toContain(
      `duplicate: customer.subscription.resumed ${(resumed as { id: string }).id}`,
    );

    // unmapped and unknown events: 200, ignored, nothing audited
    const n = server.audit.length;
    const unmapped = await deliver(
      server,
      invoiceEvent('invoice.paid', 'cus_nobody', 'sub_nobody'),
    );
    expect(unmapped).toEqual({ status: 200, body: { received: true, outcome: 'ignored' } });
    const unknown = await deliver(server, subscriptionEvent('customer.created', 'cus_A', 'sub_A'));
    expect(unknown.body.outcome).toBe('ignored');
    expect(server.audit.length).toBe(n);

    // bad signature, missing header, stale timestamp
    const ev = invoiceEvent('invoice.paid', 'cus_B', null);
    const bad = await deliver(server, ev, { secret: 'whsec_wrong' });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.code).toBe('WEBHOOK_SIGNATURE_INVALID');
    expect(typeof bad.body.error?.hint).toBe('string');
    const missing = await deliver(server, ev, { header: null });
    expect(missing.status).toBe(400);
    expect(missing.body.error?.code).toBe('WEBHOOK_SIGNATURE_INVALID');
    const stale = await deliver(server, ev, { timestamp: Math.floor(Date.now() / 1000) - 600 });
    expect(stale.status).toBe(400);
    expect(stale.body.error?.code).toBe('WEBHOOK_TIMESTAMP_STALE');
    // a body changed after signing is refused
    const payload = JSON.stringify(ev);
    const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET });
    const tampered = await fetch(`${server.url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': header },
      body: payload.replace('cus_B', 'cus_C'),
    });
    expect(tampered.status).toBe(400);

    // outbound: one signed notification per state change, the first retried after two failures
    await server.webhooks!.drain();
    expect(hook.hits()).toBe(hook.got.length + 2);
    expect(delays).toEqual([7, 14]);
    expect(hook.got.length).toBe(8);
    const types = hook.got
      .map((g) => JSON.parse(g.body) as { type: string; auditSeq: number })
      .sort((a, b) => a.auditSeq - b.auditSeq)
      .map((b) => b.type);
    expect(types).toEqual([
      'connection.active',
      'connection.suspended',
      'connection.grace',
      'connection.active',
      'connection.suspended',
      'connection.active',
      'connection.revoked',
      'connection.active',
    ]);
    for (const g of hook.got)
      expect(
        verifyOutboundWebhook(g.body, g.timestamp, g.signature, server.service.publicKey),
      ).toBe(true);
    const g0 = hook.got[0]!;
    expect(
      verifyOutboundWebhook(`${g0.body} `, g0.timestamp, g0.signature, server.service.publicKey),
    ).toBe(false);

    // the processed ids survive a restart: the deleted event redelivered changes nothing
    await server.close();
    closers.pop();
    server = await start(dir, mapping);
    const c1Before = await statusOf(server, c1);
    const deleted = await deliver(server, steps[2]![0]);
    expect(deleted.body.outcome).toBe('duplicate');
    expect(await statusOf(server, c1)).toBe(c1Before);
  });
});

describe('outbound webhook signature (docs/formats.md known-answer vector)', () => {
  it('matches the documented vector', () => {
    const seed = hexToBytes('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
    const body =
      '{"v":1,"type":"connection.revoked","connectionId":"' +
      'ab'.repeat(32) +
      '","status":"revoked","transition":"revoke","actor":"stripe","reason":"stripe customer.subscription.deleted evt_1","auditSeq":7,"ts":1767225600000}';
    const timestamp = '1767225600123';
    const signer = backend.ed25519Signer(seed);
    const sig = bytesToHex(signer.sign(webhookSigningInput(timestamp, body)));
    const doc = readFileSync(join(__dirname, '../../../docs/formats.md'), 'utf8');
    expect(doc).toContain(body);
    expect(doc).toContain(`signature: ${sig}`);
    expect(
      verifyOutboundWebhook(body, timestamp, sig, signer.publicKey, { now: 1767225600123 }),
    ).toBe(true);
  });
});
