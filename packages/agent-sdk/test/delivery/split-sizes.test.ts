// The size policy on the split-channel path: 200 KiB, 1 MiB and 16 MiB messages split into
// shares (security 'high'), each share POSTed through the HTTP transport to a real relay server,
// pulled by listen() and reassembled in the share buffer, whose per-sender limit derives from
// maxPayloadBytes (size-policy.ts). Before, the fixed 8 MiB buffer refused 16 MiB messages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentMessage, XlinkErrorDetail } from '../../src/index.js';
import { cleanup, type Running, relayAgent, startServer } from '../infra/helpers.js';

let srv: Running;
beforeAll(async () => {
  srv = await startServer({ rateLimit: false });
});
afterAll(async () => {
  await srv.server.close();
  cleanup(srv.dataDir);
});

describe('split-channel through the relay at the size limits', () => {
  for (const [label, bytes] of [
    ['200 KiB', 200 * 1024],
    ['1 MiB', 1024 * 1024],
    ['16 MiB', 16 * 1024 * 1024],
  ] as const)
    it(`${label}`, async () => {
      const alice = await relayAgent(srv.url, 'alice', ['pay']);
      const bob = await relayAgent(srv.url, 'bob', ['pay']);
      const payload = new Uint8Array(bytes).fill(0x5a);
      const sent = await alice.send({ to: bob.did, payload, scope: 'pay', security: 'high' });
      expect(sent.ok, sent.ok ? '' : sent.error.message).toBe(true);
      expect(sent.ok && sent.value.split?.n).toBeGreaterThan(1);
      const got: AgentMessage[] = [];
      const errors: (XlinkErrorDetail | Error)[] = [];
      const ac = new AbortController();
      const loop = bob.listen({
        relay: srv.url,
        intervalMs: 20,
        signal: ac.signal,
        onMessage: (m) => {
          got.push(m);
          ac.abort();
        },
        onError: (e) => errors.push(e),
      });
      const t = setTimeout(() => ac.abort(), 30_000);
      await loop;
      clearTimeout(t);
      expect(errors).toEqual([]);
      expect(got).toHaveLength(1);
      const p = got[0]!.payload as Uint8Array;
      expect(p.length).toBe(bytes);
      expect(p[bytes - 1]).toBe(0x5a);
      expect(got[0]!.split).toBeDefined();
    }, 60_000);
});
