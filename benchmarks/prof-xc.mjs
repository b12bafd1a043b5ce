import { Agent, LoopbackTransport, MemoryTrustRegistry, isPendingShares } from '@xorida/agent-sdk';
import { cryptoFloor } from './crypto-floor.ts';
const base = { type: 'payment', amount: 99.5, currency: 'USD', id: 'txn_abc123', note: '' };
const payload = { ...base, note: 'x'.repeat(256 - JSON.stringify(base).length) };
const registry = new MemoryTrustRegistry();
const transports = [0, 1, 2].map(() => new LoopbackTransport({ maxOutbox: 16 }));
const quiet = { warn: () => {} };
const a = await Agent.quickstart({ registry, transport: transports, logger: quiet, xchange: true });
const b = await Agent.quickstart({ registry, transport: transports, logger: quiet, xchange: true });
const fn = async () => {
  const s = await a.send({ to: b.did, payload, scope: 'payments', security: 'high', xchange: true });
  if (!s.ok) throw new Error(s.error.code);
  for (const env of s.value.split.envelopes) { const r = await b.receive(env); if (!r.ok) throw new Error(r.error.code); }
};
const N = Number(process.env.N ?? 3000);
for (let rep = 0; rep < 4; rep++) {
  let t = performance.now();
  for (let i = 0; i < N; i++) await fn();
  const x = (performance.now() - t) * 1000 / N;
  t = performance.now();
  if (!process.env.ONLY) for (let i = 0; i < N; i++) cryptoFloor.xchange();
  const f = (performance.now() - t) * 1000 / N;
  console.log(`xchange ${x.toFixed(1)} µs  floor ${f.toFixed(1)} µs  overhead ${(x - f).toFixed(1)}`);
}
