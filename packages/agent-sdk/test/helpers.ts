/** Test fixtures: deterministic identities and agents wired to one registry and transport. */
import {
  Agent,
  type AgentIdentity,
  type AgentOptions,
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
