// listen({ relay: url }) reads pull answers up to the agent's own size limit (size-policy.ts
// sizeLimits(maxPayloadBytes).maxResponseBytes), not the 16 MiB default: a payload over 16 MiB,
// allowed by a raised maxPayloadBytes on the sender, the relay and the receiver, is delivered.
// A ciphertext of 1 MiB or more is decoded and decrypted in place (lib/deferred-text.ts): the
// handler's `meta.envelope` reads '' for it, a small one keeps its text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentMessage } from '../../src/agent-types.js';
import type { RelayMessage } from '../../src/relay-client.js';
import { sizeLimits } from '../../src/size-policy.js';
import { cleanup, listenOnce, type Running, relayAgent, startServer } from '../infra/helpers.js';

const MiB = 1024 * 1024;
const LIMIT = 20 * MiB;
// over the default policy's pull answer limit once base64-encoded, within the raised one
const BYTES = 17 * MiB;
let srv: Running;

beforeAll(async () => {
  srv = await startServer({ rateLimit: false, maxPayloadBytes: LIMIT });
});
afterAll(async () => {
  await srv.server.close();
  cleanup(srv.dataDir);
});

describe('listen({ relay: url }) and the size policy', () => {
  it('delivers a 17 MiB payload to an agent whose maxPayloadBytes is 20 MiB', async () => {
    expect(Math.ceil((BYTES * 4) / 3)).toBeGreaterThan(sizeLimits().maxResponseBytes);
    const bob = await relayAgent(srv.url, 'bob', ['pay'], { maxPayloadBytes: LIMIT });
    const alice = await relayAgent(srv.url, 'alice', ['pay'], { maxPayloadBytes: LIMIT });
    const sent = await alice.send({
      to: bob.did,
      payload: { b: 'x'.repeat(BYTES - 8) },
      scope: 'pay',
    });
    expect(sent.ok).toBe(true);
    const { got, errors } = await listenOnce(bob, { relay: srv.url });
    expect(errors).toEqual([]);
    expect((got?.payload as { b?: string } | undefined)?.b?.length).toBe(BYTES - 8);
  }, 60_000);

  it('a large pulled ciphertext is decoded in place: meta keeps every field but its text', async () => {
    const bob = await relayAgent(srv.url, 'bob2', ['pay'], { maxPayloadBytes: LIMIT });
    const alice = await relayAgent(srv.url, 'alice2', ['pay'], { maxPayloadBytes: LIMIT });
    for (const payload of [{ b: 'y'.repeat(2 * MiB) }, { small: 1 }]) {
      const sent = await alice.send({ to: bob.did, payload, scope: 'pay' });
      if (!sent.ok) throw new Error(sent.error.message);
      const ac = new AbortController();
      let meta: RelayMessage | undefined;
      let got: AgentMessage | undefined;
      await bob.listen({
        relay: srv.url,
        batch: 1,
        intervalMs: 20,
        signal: ac.signal,
        onMessage: (m, mm) => {
          got = m;
          meta = mm;
          ac.abort();
        },
        onError: () => ac.abort(),
      });
      expect(got?.payload).toEqual(payload);
      const env = meta?.envelope as { ciphertext?: string; nonce?: string };
      expect(env.nonce).toBe(sent.value.nonce);
      if ('b' in payload) expect(env.ciphertext).toBe('');
      else expect(env.ciphertext).toBe(sent.value.envelope.ciphertext);
    }
  }, 60_000);
});
