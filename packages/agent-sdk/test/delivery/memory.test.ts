// Peak memory of the send and receive paths at the size limit (issue 14, item 4): a relay server
// (this process) and, per case, a sender and a receiver, each in its own Node process
// (fixtures/rss-peer.ts). Each peer reports process.resourceUsage().maxRSS minus its RSS before
// the payload existed; the test asserts that figure against a multiple of the payload size, the
// JSON-serialised payload bytes (docs/formats.md#size-policy). No timing is asserted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnFixture, waitForLine } from '../infra/child.js';
import { cleanup, type Running, startServer } from '../infra/helpers.js';

const MiB = 1024 * 1024;
const SIZES = (process.env.XLINK_RSS_SIZES ?? '64').split(',').map((s) => Number(s) * MiB);
const KINDS = (process.env.XLINK_RSS_KINDS ?? 'plain,split').split(',');
/**
 * Peak RSS over baseline, as a multiple of the payload size, by payload size in MiB. The target
 * of issue 14 is 4x on every path at 64 MiB; these ceilings are the figures reached (on a loaded
 * 2-core machine, Node 20) with a margin for GC timing, so that a regression fails:
 *   64 MiB: send plain 4.2-4.4x, receive plain 4.4-4.8x (once 6.3x), send split 9.0-9.5x,
 *   receive split 7.9-8.4x; 16 MiB (fixed runtime overhead weighs more): 6.4-8.0x, 4.9-5.5x,
 *   12.7-13.6x, 9.6-10.5x.
 * Node 24 in CI (fresh clone, after the Node 20 leg): 64 MiB 4.4x, 5.6x, 10.2x, 9.6x.
 * Before: 64 MiB 5.1-5.3x, 5.7-6.6x, 11.5x, 8.5-8.8x; earlier 7.5x, 8.9x, 25.1x, 9.4x.
 * What is left: the payload's dead JSON text (sender) and the dead plaintext and JSON text
 * (receiver) wait for a full GC; listen() keeps the pulled envelope's base64 text (1.33x) for
 * the onMessage callback's `meta`; split-channel splits the whole secret into n full-size shares
 * at once (xorida `split`) next to the plaintext and the secret.
 */
const LIMITS: Record<number, Record<string, number>> = {
  16: { 'send plain': 9.5, 'receive plain': 7, 'send split': 15.5, 'receive split': 12 },
  64: { 'send plain': 5, 'receive plain': 7, 'send split': 11, 'receive split': 10.5 },
};
const limit = (bytes: number, cell: string) => (LIMITS[bytes / MiB] ?? LIMITS[64]!)[cell]!;

interface Peak {
  baseline: number;
  peak: number;
  ratio: number;
  intact?: boolean;
}

async function result(child: ReturnType<typeof spawnFixture>): Promise<Peak> {
  const m = await waitForLine(child, /^RESULT (.*)$/, 120_000);
  return JSON.parse(m[1]!) as Peak;
}

let srv: Running;
beforeAll(async () => {
  srv = await startServer({
    rateLimit: false,
    maxPayloadBytes: Math.max(...SIZES),
  });
});
afterAll(async () => {
  await srv.server.close();
  cleanup(srv.dataDir);
});

describe('peak RSS of send and receive at the size limit', () => {
  for (const bytes of SIZES)
    for (const kind of KINDS)
      it(`${kind} ${bytes / MiB} MiB: send and receive each stay within the limit`, async () => {
        const receiver = spawnFixture('rss-peer.ts', ['receive', kind, String(bytes), srv.url]);
        const did = (await waitForLine(receiver, /^READY (\S+)$/, 60_000))[1]!;
        const sender = spawnFixture('rss-peer.ts', ['send', kind, String(bytes), srv.url, did]);
        // RSS_TRACE: the peers' per-stage memory (stderr) shown with the test's output
        if (process.env.RSS_TRACE)
          for (const c of [receiver, sender]) c.stderr.pipe(process.stderr);
        const sent = await result(sender);
        receiver.stdin.write('go\n');
        const got = await result(receiver);
        console.log(
          `rss ${kind} ${bytes / MiB} MiB: send ${sent.ratio.toFixed(2)}x (${(sent.peak / MiB).toFixed(0)} MiB), receive ${got.ratio.toFixed(2)}x (${(got.peak / MiB).toFixed(0)} MiB)`,
        );
        expect(got.intact).toBe(true);
        expect(sent.ratio).toBeLessThanOrEqual(limit(bytes, `send ${kind}`));
        expect(got.ratio).toBeLessThanOrEqual(limit(bytes, `receive ${kind}`));
      }, 180_000);
});
