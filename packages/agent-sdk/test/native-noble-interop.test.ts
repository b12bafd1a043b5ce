// v2 (X-Wing) and v3 (X-Wing + ML-DSA-65) envelopes sealed on one post-quantum path open on the
// other, both ways, through the full Agent send/receive pipeline: two copies of the package are
// loaded in this process, one with the detected (native on Node >= 24.7) members and one with
// the @noble members forced. On Node 20 both copies run @noble and the test still checks that
// the module substitution took effect.
import { describe, expect, it, vi } from 'vitest';

type Sdk = typeof import('../src/index.js');
const detected: Sdk = await import('../src/index.js');
vi.resetModules();
vi.doMock('../src/lib/crypto/node.js', async (importOriginal) => {
  const m = await importOriginal<typeof import('../src/lib/crypto/node.js')>();
  return { ...m, backend: m.nobleBackend };
});
const noble: Sdk = await import('../src/index.js');

async function agentOn(
  sdk: Sdk,
  seed: number,
  world: Record<string, unknown>,
  postQuantumSig: boolean,
) {
  const id = sdk.identityFromSeed(new Uint8Array(32).fill(seed), { postQuantumSig });
  if (!id.ok) throw new Error(id.error.code);
  const agent = sdk.Agent.fromParts({ ...world, identity: id.value } as never);
  const r = await agent.register();
  if (!r.ok) throw new Error(r.error.code);
  return agent;
}

describe('native and @noble post-quantum paths interoperate', () => {
  it('loaded two copies: detected and @noble-forced', () => {
    expect(noble.cryptoCapabilities().mlKem768).toBe('js');
    expect(noble.cryptoCapabilities().mlDsa65).toBe('js');
    expect(detected.Agent).not.toBe(noble.Agent);
  });

  let seed = 40;
  for (const [from, to, fromName, toName] of [
    [detected, noble, 'detected', '@noble'],
    [noble, detected, '@noble', 'detected'],
  ] as const) {
    for (const version of [2, 3] as const) {
      it(`v${version}: sealed on ${fromName}, opened on ${toName}`, async () => {
        const world = {
          registry: new detected.MemoryTrustRegistry(),
          transport: new detected.LoopbackTransport(),
        };
        const pq = version === 3;
        const a = await agentOn(from, seed++, world, pq);
        const b = await agentOn(to, seed++, world, pq);
        for (let i = 0; i < 3; i++) {
          const payload = { n: i, note: 'x'.repeat(200) };
          const s = await a.send({ to: b.did, payload, scope: 'payments' });
          if (!s.ok) throw new Error(s.error.code);
          expect(s.value.version).toBe(version);
          const r = await b.receive(s.value.envelope);
          if (!r.ok) throw new Error(`${r.error.code}:${r.error.subCode}`);
          expect(JSON.stringify(r.value)).toContain(`"n":${i}`);
        }
        // And the reply, sealed on the other path.
        const back = await b.send({ to: a.did, payload: { ok: true }, scope: 'payments' });
        if (!back.ok) throw new Error(back.error.code);
        const r2 = await a.receive(back.value.envelope);
        expect(r2.ok).toBe(true);
      });
    }
  }
});
