/** Test fixtures: deterministic identities and agents wired to one registry and transport. */
import {
  Agent,
  type AgentIdentity,
  type AgentOptions,
  type Envelope,
  identityFromSeed,
  LoopbackTransport,
  MemoryTrustRegistry,
} from '../src/index.js';

/** A 32-byte seed filled with `b`. */
export function seedOf(b: number): Uint8Array {
  return new Uint8Array(32).fill(b);
}

export interface Peer {
  agent: Agent;
  identity: AgentIdentity;
}

/** A deterministic agent (identity from seedOf(b)), registered in `registry`. */
export async function makePeer(
  b: number,
  base: { registry: MemoryTrustRegistry; transport: LoopbackTransport },
  options: Partial<AgentOptions> = {},
): Promise<Peer> {
  const id = identityFromSeed(seedOf(b), { postQuantumSig: options.postQuantumSig ?? false });
  if (!id.ok) throw new Error(id.error.message);
  const agent = Agent.fromParts({ ...base, ...options, identity: id.value });
  const r = await agent.register();
  if (!r.ok) throw new Error(`${r.error.code}:${r.error.subCode}`);
  return { agent, identity: id.value };
}

/** A fresh registry + transport. */
export function world(): { registry: MemoryTrustRegistry; transport: LoopbackTransport } {
  return { registry: new MemoryTrustRegistry(), transport: new LoopbackTransport() };
}

/** Flips one bit of a copy. */
export function flip(bytes: Uint8Array, index: number, bit = 1): Uint8Array {
  const out = bytes.slice();
  out[index]! ^= bit;
  return out;
}

/**
 * An envelope with placeholder fields around `ciphertext`, for encoding tests that never
 * verify it (the JSON form of a large envelope, its upload).
 */
export function fakeEnvelope(ciphertext: Uint8Array): Envelope {
  return {
    version: 2,
    alg: 'XWING-AES256GCM-ED25519',
    sender: 'did:key:z6Mkaaa',
    recipient: 'did:key:z6Mkbbb',
    timestamp: 1,
    nonce: new Uint8Array(16),
    scope: 'pay',
    iv: new Uint8Array(12),
    kem: new Uint8Array(32),
    ciphertext,
    signature: new Uint8Array(64),
  } as unknown as Envelope;
}
