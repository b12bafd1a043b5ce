// Relay deposit receipts (docs/formats.md#relay-deposit-receipt) and the freshness policy
// (delivery-freshness.ts): known-answer vector checked with an independent Ed25519
// implementation, tampering, trust, windows moved past with injected clocks.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { backend } from '#crypto';
import {
  checkFreshness,
  DEFAULT_DELIVERY_RELAY_TTL_MS,
  nonceRetentionMs,
} from '../../src/delivery-freshness.js';
import { parseEnvelope } from '../../src/envelope.js';
import { base64urlDecode, base64urlEncode } from '../../src/lib/codec.js';
import {
  envelopeDigest,
  parseRelayReceipt,
  receiptSigningInput,
  signRelayReceipt,
} from '../../src/relay-receipt.js';
import { makePeer, world } from '../helpers.js';

const relayKey = backend.ed25519Signer(new Uint8Array(32).fill(7));
const RELAY = 'did:key:z6MkvDqGT54cXesYGvABpF1UapVNwjCqRcafi4Px6Thv5T3Z';

describe('receipt format', () => {
  it('known-answer vector (docs/formats.md), verified with @noble/curves', () => {
    const env = base64urlEncode(
      backend.sha256(new TextEncoder().encode('xlink relay receipt test vector')),
    );
    const r = signRelayReceipt(relayKey, {
      to: 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp',
      env,
      at: 1767225600000,
      exp: 1767830400000,
    });
    expect(r.relay).toBe(RELAY);
    expect(r.env).toBe('pPiKjEIiMmPAdmqCLjKf_XgEoOMgpNZXDRGYWedQ360');
    const input = new TextDecoder().decode(receiptSigningInput(r));
    expect(input).toBe(
      'xlink-relay-receipt/1\ndid:key:z6MkvDqGT54cXesYGvABpF1UapVNwjCqRcafi4Px6Thv5T3Z\n' +
        'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp\n' +
        'pPiKjEIiMmPAdmqCLjKf_XgEoOMgpNZXDRGYWedQ360\n1767225600000\n1767830400000',
    );
    expect(r.sig).toBe(
      '9gfSOTl1_0IDta-shhBAsRjsP4y87b0Ex3tuypbohW3LVFGQCQ4RpsWgjphXanRyz4EQcjpJijLOP4ArJS49AA',
    );
    // the vector printed in docs/formats.md#relay-deposit-receipt is this one
    const docs = readFileSync(
      join(dirname(fileURLToPath(import.meta.url)), '../../../../docs/formats.md'),
      'utf8',
    );
    const section = docs.slice(docs.indexOf('### Relay deposit receipt'));
    expect(/^sig: +(\S+)$/m.exec(section)?.[1]).toBe(r.sig);
    expect(/^env: +(\S+)$/m.exec(section)?.[1]).toBe(r.env);
    expect(/^relay: +(\S+)$/m.exec(section)?.[1]).toBe(r.relay);
    const sig = base64urlDecode(r.sig, 64)!;
    expect(ed25519.verify(sig, receiptSigningInput(r), relayKey.publicKey)).toBe(true);
    expect(parseRelayReceipt(r).ok).toBe(true);
  });

  it('strict parser refuses extra, missing and malformed fields', () => {
    const r = signRelayReceipt(relayKey, { to: 'did:key:x', env: 'a'.repeat(43), at: 1, exp: 2 });
    expect(parseRelayReceipt({ ...r, extra: 1 }).ok).toBe(false);
    const { sig: _s, ...noSig } = r;
    expect(parseRelayReceipt(noSig).ok).toBe(false);
    expect(parseRelayReceipt({ ...r, at: 3 }).ok).toBe(false); // exp < at
    expect(parseRelayReceipt({ ...r, env: 'a'.repeat(42) }).ok).toBe(false);
    expect(parseRelayReceipt({ ...r, v: 2 }).ok).toBe(false);
    expect(parseRelayReceipt('x').ok).toBe(false);
  });
});

async function pair() {
  const w = world();
  const alice = await makePeer(1, w);
  const bob = await makePeer(2, w, {
    delivery: { trustedRelays: [RELAY], relayTtlMs: DEFAULT_DELIVERY_RELAY_TTL_MS },
  });
  return { w, alice, bob };
}

const HOUR = 3_600_000;

describe('relay path acceptance', () => {
  it('a trusted receipt makes an envelope acceptable past the direct window, once', async () => {
    const { alice, bob } = await pair();
    const t0 = Date.now() - 3 * 24 * HOUR; // sent three days ago
    const s = await alice.agent.send({
      to: bob.agent.did,
      payload: { n: 1 },
      scope: 's',
      testing: { timestamp: t0 },
    });
    if (!s.ok) throw new Error(s.error.message);
    const env = parseEnvelope(s.value.envelope);
    if (!env.ok) throw new Error('parse');
    const receipt = signRelayReceipt(relayKey, {
      to: bob.agent.did,
      env: envelopeDigest(env.value),
      at: t0 + 1000,
      exp: t0 + 1000 + DEFAULT_DELIVERY_RELAY_TTL_MS,
    });
    // direct: stale
    const direct = await bob.agent.receive(s.value.envelope);
    expect(!direct.ok && `${direct.error.code}:${direct.error.subCode}`).toBe(
      'TIMESTAMP_EXPIRED:STALE',
    );
    const got = await bob.agent.receive(s.value.envelope, { relayReceipt: receipt });
    expect(got.ok && 'payload' in got.value && got.value.payload).toEqual({ n: 1 });
    const again = await bob.agent.receive(s.value.envelope, { relayReceipt: receipt });
    expect(!again.ok && again.error.code).toBe('REPLAY_DETECTED');
  });

  it('tampered, foreign and expired receipts are refused; untrusted relays get the direct window', async () => {
    const { alice, bob } = await pair();
    const t0 = Date.now() - 2 * HOUR;
    const s = await alice.agent.send({
      to: bob.agent.did,
      payload: { n: 2 },
      scope: 's',
      testing: { timestamp: t0 },
    });
    if (!s.ok) throw new Error(s.error.message);
    const env = parseEnvelope(s.value.envelope);
    if (!env.ok) throw new Error('parse');
    const digest = envelopeDigest(env.value);
    const good = signRelayReceipt(relayKey, {
      to: bob.agent.did,
      env: digest,
      at: t0,
      exp: t0 + 7 * 24 * HOUR,
    });
    const code = (r: Awaited<ReturnType<typeof bob.agent.receive>>) =>
      r.ok ? 'ok' : `${r.error.code}:${r.error.subCode}`;
    const recv = (receipt: unknown, now?: number) =>
      bob.agent.receive(s.value.envelope, { relayReceipt: receipt, ...(now ? { now } : {}) });
    expect(code(await recv({ ...good, at: good.at + 1 }))).toBe(
      'VERIFICATION_FAILED:RELAY_RECEIPT_INVALID',
    );
    expect(code(await recv({ ...good, env: 'A'.repeat(43) }))).toBe(
      'VERIFICATION_FAILED:RELAY_RECEIPT_INVALID',
    );
    const other = signRelayReceipt(relayKey, {
      to: alice.agent.did,
      env: digest,
      at: t0,
      exp: t0 + HOUR * 100,
    });
    expect(code(await recv(other))).toBe('VERIFICATION_FAILED:RELAY_RECEIPT_INVALID');
    // deposited long after the envelope was made: the relay should have refused it
    const late = signRelayReceipt(relayKey, {
      to: bob.agent.did,
      env: digest,
      at: t0 + HOUR,
      exp: t0 + 100 * HOUR,
    });
    expect(code(await recv(late))).toBe('TIMESTAMP_EXPIRED:DEPOSIT_STALE');
    // recipient clock past the receipt expiry (+ window)
    expect(code(await recv(good, t0 + 7 * 24 * HOUR + 31_000))).toBe(
      'TIMESTAMP_EXPIRED:RELAY_EXPIRED',
    );
    // a receipt of an untrusted relay is ignored: the direct window applies
    const stranger = backend.ed25519Signer(new Uint8Array(32).fill(9));
    const foreign = signRelayReceipt(stranger, {
      to: bob.agent.did,
      env: digest,
      at: t0,
      exp: t0 + 100 * HOUR,
    });
    expect(code(await recv(foreign))).toBe('TIMESTAMP_EXPIRED:STALE');
    // nothing above burned the nonce: the genuine receipt still delivers
    expect(code(await recv(good))).toBe('ok');
  });

  it('an agent trusting no relay ignores receipts; retention covers TTL + windows', () => {
    const env = {
      timestamp: 0,
      recipient: 'did:key:x',
    } as unknown as Parameters<typeof checkFreshness>[0];
    const r = checkFreshness(env, 10 * HOUR, 30_000, { any: 1 }, undefined);
    expect(!r.ok && r.error.subCode).toBe('STALE');
    expect(nonceRetentionMs(30_000, undefined)).toBe(61_000);
    expect(nonceRetentionMs(30_000, { trustedRelays: [RELAY] })).toBe(
      DEFAULT_DELIVERY_RELAY_TTL_MS + 61_000,
    );
  });
});
