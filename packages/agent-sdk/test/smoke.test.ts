import { describe, expect, it } from 'vitest';
import { Agent, LoopbackTransport, MemoryTrustRegistry } from '../src/index.js';

describe('smoke', () => {
  it('roundtrips', async () => {
    const registry = new MemoryTrustRegistry();
    const transport = new LoopbackTransport();
    const alice = await Agent.quickstart({ name: 'Alice', registry, transport, postQuantumSig: true });
    const bob = await Agent.quickstart({ name: 'Bob', registry, transport, postQuantumSig: true });
    for (const v of [1, 2, 3]) {
      const s = await alice.send({ to: bob.did, payload: { hello: v }, scope: 'chat' });
      expect(s.ok).toBe(true);
    }
    const r = await bob.receive(transport.outbox[0]);
    expect(r.ok ? r.value.payload : r.error).toEqual({ hello: 1 });
  });
});
