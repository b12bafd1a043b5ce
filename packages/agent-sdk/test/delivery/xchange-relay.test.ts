// Xchange part version 2 (one group signature per message, docs/formats.md#xchange-parts) through
// a real `xlink serve` process: the relay checks every deposit's sender signature, which for an
// Xchange part is its group statement's (src/sender-signature.ts). Before that check knew the
// format, the relay refused every part (VERIFICATION_FAILED) and an Xchange send over relays
// failed. The sender's three transports all deposit to the relay; the receiver pulls all three
// parts and gets the message once; an altered part is refused at deposit.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Agent, type AgentMessage, HttpsTransportAdapter } from '../../src/index.js';
import { base64urlDecode, base64urlEncode } from '../../src/lib/codec.js';
import { post, relayAgent } from '../infra/helpers.js';
import { type Served, serve, sleep } from './e2e-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'xlink-xchange-relay-'));
const env = { XDG_CONFIG_HOME: join(root, 'cfg') };
let srv: Served;
let alice: Agent;
let bob: Agent;

beforeAll(async () => {
  srv = await serve(['--data-dir', join(root, 'data'), '--self-registration'], env);
  const transport = [0, 1, 2].map(
    () => new HttpsTransportAdapter({ baseUrl: srv.url, retries: 0 }),
  );
  alice = await relayAgent(srv.url, 'alice', ['pay'], { xchange: true, transport });
  bob = await relayAgent(srv.url, 'bob', ['pay'], { xchange: true });
}, 90_000);

afterAll(async () => {
  await srv?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('Xchange 2-of-3 through a real relay process', () => {
  it('all three parts are relayed; the receiver delivers the message once', async () => {
    const payload = { amount: 12.5, note: 'x'.repeat(200) };
    const sent = await alice.send({
      to: bob.did,
      payload,
      scope: 'pay',
      security: 'high',
      xchange: true,
    });
    expect(
      sent.ok,
      sent.ok ? '' : `${sent.error.code}/${sent.error.subCode}: ${sent.error.message}`,
    ).toBe(true);
    if (!sent.ok) return;
    expect(sent.value.split?.mode).toBe('xchange');
    expect(sent.value.split?.delivered).toEqual([0, 1, 2]);
    const got: AgentMessage[] = [];
    const errors: string[] = [];
    const ctrl = new AbortController();
    const done = bob.listen({
      relay: srv.url,
      signal: ctrl.signal,
      intervalMs: 20,
      onMessage: (m) => void got.push(m),
      onError: (e) => void errors.push('code' in e ? `${e.code}/${e.subCode}` : e.message),
    });
    const end = Date.now() + 20_000;
    while (got.length === 0 && Date.now() < end) await sleep(20);
    await sleep(300); // the third, late part arrives and must not deliver again
    ctrl.abort();
    await done;
    expect(errors).toEqual([]);
    expect(got).toHaveLength(1);
    expect(got[0]!.payload).toEqual(payload);
    expect(got[0]!.sender).toBe(alice.did);

    // An altered part (one byte of its key share) is refused at deposit.
    const part = sent.value.split!.envelopes[0]!;
    const body = base64urlDecode(part.ciphertext, 1 << 20)!;
    body[8]! ^= 1;
    const r = await post(`${srv.url}/relay/${encodeURIComponent(bob.did)}`, {
      ...part,
      ciphertext: base64urlEncode(body),
    });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('VERIFICATION_FAILED');
  }, 60_000);
});
