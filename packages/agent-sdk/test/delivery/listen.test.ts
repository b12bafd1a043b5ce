// listen() against a real relay server: relayed envelopes are accepted past the direct window
// with the relay's receipt, transient failures leave messages queued, permanent rejections are
// acked with their codes into the dead-letter list (docs/formats.md#delivery-contract).
import { getEventListeners } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backend } from '#crypto';
import { didFromEd25519PublicKey } from '../../src/did.js';
import { xlinkErr } from '../../src/errors.js';
import type { AgentMessage, TrustRegistry, XlinkErrorDetail } from '../../src/index.js';
import {
  Agent,
  generateIdentity,
  HttpsTransportAdapter,
  HttpTrustRegistry,
  RelayClient,
  requestSignerFromIdentity,
} from '../../src/index.js';
import { cleanup, type Running, relayAgent, startServer } from '../infra/helpers.js';

const relayKey = backend.ed25519Signer(new Uint8Array(32).fill(11));
const RELAY = didFromEd25519PublicKey(relayKey.publicKey);
let srv: Running;

beforeAll(async () => {
  srv = await startServer({ relayReceiptKey: relayKey, rateLimit: false });
});
afterAll(async () => {
  await srv.server.close();
  cleanup(srv.dataDir);
});

/** Registry wrapper that is "unreachable" while `down` is set. */
function flaky(inner: TrustRegistry): TrustRegistry & { down: boolean } {
  const w = Object.create(inner) as TrustRegistry & { down: boolean };
  w.down = false;
  w.resolve = (did: string) =>
    w.down
      ? Promise.resolve(xlinkErr('LOOKUP_FAILED', 'registry unreachable', 'retry'))
      : inner.resolve(did);
  return w as TrustRegistry & { down: boolean };
}

async function drain(
  agent: Awaited<ReturnType<typeof relayAgent>>,
  receiveNow?: number,
): Promise<{ got: AgentMessage[]; errors: XlinkErrorDetail[] }> {
  const got: AgentMessage[] = [];
  const errors: XlinkErrorDetail[] = [];
  const ac = new AbortController();
  const loop = agent.listen({
    relay: srv.url,
    intervalMs: 50,
    signal: ac.signal,
    ...(receiveNow ? { receiveOptions: { now: receiveNow } } : {}),
    onMessage: (m) => {
      got.push(m);
    },
    onError: (e) => {
      if (!(e instanceof Error)) errors.push(e);
    },
  });
  await new Promise((r) => setTimeout(r, 400));
  ac.abort();
  await loop;
  return { got, errors };
}

describe('listen() and the delivery contract', () => {
  it("idle polls leave no listeners on the caller's signal (no leak over a long listen)", async () => {
    const idle = await relayAgent(srv.url, 'idle', ['chat']);
    const ac = new AbortController();
    let polls = 0;
    const loop = idle.listen({
      relay: srv.url,
      intervalMs: 5,
      signal: ac.signal,
      onMessage: () => {},
      onError: () => {},
    });
    // about 40 empty pulls, each followed by an interval wait under the same signal
    const counts: number[] = [];
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => setTimeout(r, 50));
      counts.push(getEventListeners(ac.signal, 'abort').length);
      polls++;
    }
    ac.abort();
    await loop;
    expect(polls).toBe(8);
    // one wait (or one request) at a time holds a listener, never one per past poll
    expect(Math.max(...counts)).toBeLessThanOrEqual(2);
  });

  it('relay deposit receipt: accepted an hour "later" by a receiver trusting the relay, not by one that does not', async () => {
    const alice = await relayAgent(srv.url, 'alice', ['chat']);
    const bob = await relayAgent(srv.url, 'bob', ['chat'], {
      delivery: { trustedRelays: [RELAY] },
    });
    const sent = await alice.send({ to: bob.did, payload: { hi: 1 }, scope: 'chat' });
    expect(sent.ok).toBe(true);
    const later = Date.now() + 3_600_000;
    const r = await drain(bob, later);
    expect(r.got.map((m) => m.payload)).toEqual([{ hi: 1 }]);
    expect(r.errors).toEqual([]);

    const carol = await relayAgent(srv.url, 'carol', ['chat']); // trusts no relay
    await alice.send({ to: carol.did, payload: { hi: 2 }, scope: 'chat' });
    const c = await drain(carol, later);
    expect(c.got).toEqual([]);
    expect(c.errors.map((e) => `${e.code}:${e.subCode}`)).toContain('TIMESTAMP_EXPIRED:STALE');
    // permanent: acked with its code, kept as a dead letter
    const client = new RelayClient({ baseUrl: srv.url, signer: carol.requestSigner() });
    const left = await client.pull();
    expect(left.ok && left.value).toEqual([]);
    const dead = await client.deadLetters();
    expect(
      dead.ok && dead.value.map((d) => (d as { code: string; subCode: string }).subCode),
    ).toEqual(['STALE']);
  });

  it('the deposit answer carries a receipt bound to the envelope; stale deposits are refused', async () => {
    const alice = await relayAgent(srv.url, 'alice3', ['chat']);
    const bob = await relayAgent(srv.url, 'bob3', ['chat']);
    const { parseEnvelope, verifyRelayReceipt } = await import('../../src/index.js');
    const post = (env: unknown) =>
      fetch(`${srv.url}/relay/${bob.did}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(env),
      });
    const fresh = await alice.send({ to: bob.did, payload: { n: 1 }, scope: 'chat' });
    if (!fresh.ok) throw new Error(fresh.error.message);
    // the same envelope deposited again: fresh, so stored, with a receipt naming this relay
    const r = await post(fresh.value.envelope);
    expect(r.status).toBe(202);
    const body = (await r.json()) as { receipt: unknown; expiresAt: number };
    const env = parseEnvelope(fresh.value.envelope);
    if (!env.ok) throw new Error('parse');
    const v = verifyRelayReceipt(body.receipt, env.value, [RELAY]);
    expect(v.ok && v.value.exp).toBe(body.expiresAt);
    // an envelope stamped 31 s ago is refused at deposit by the relay clock
    const old = await alice.send({
      to: bob.did,
      payload: { n: 2 },
      scope: 'chat',
      testing: { timestamp: Date.now() - 31_000 },
    });
    expect(old.ok).toBe(false);
    expect(!old.ok && `${old.error.code}/${old.error.subCode}`).toMatch(
      /^SEND_FAILED\/TIMESTAMP_EXPIRED/,
    );
  });

  it('a transient failure (registry unreachable) leaves the message queued; it is delivered later', async () => {
    const alice = await relayAgent(srv.url, 'alice2', ['chat']);
    const id = generateIdentity();
    if (!id.ok) throw new Error('id');
    const signer = requestSignerFromIdentity(id.value);
    const registry = flaky(new HttpTrustRegistry({ baseUrl: srv.url, signer }));
    const bobFlaky = Agent.fromParts({
      identity: id.value,
      scopes: ['chat'],
      registry,
      transport: new HttpsTransportAdapter({ baseUrl: srv.url }),
    });
    expect((await bobFlaky.register()).ok).toBe(true);
    const bob = bobFlaky;
    await alice.send({ to: bob.did, payload: { n: 7 }, scope: 'chat' });
    registry.down = true;
    const first = await drain(bobFlaky);
    expect(first.got).toEqual([]);
    expect(first.errors.map((e) => e.code)).toContain('LOOKUP_FAILED');
    const client = new RelayClient({ baseUrl: srv.url, signer: bob.requestSigner() });
    const still = await client.pull();
    expect(still.ok && still.value.length).toBe(1);
    const dead = await client.deadLetters();
    expect(dead.ok && dead.value).toEqual([]);
    registry.down = false;
    const second = await drain(bobFlaky);
    expect(second.got.map((m) => m.payload)).toEqual([{ n: 7 }]);
  });
});
