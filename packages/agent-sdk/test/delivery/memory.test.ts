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
 * Peak RSS over baseline, as a multiple of the payload size. The target of issue 14 is 4x on
 * every path; these are the figures reached at 64 MiB (measured 5.1-5.3x, 5.7-6.6x, 11.5-11.6x, 8.5-8.8x on a
 * loaded 2-core machine) with a margin, so that a regression fails. Before this change they
 * were 7.5x, 8.9x, 25.1x and 9.4x. What is left: V8 keeps large dead strings (the payload's JSON
 * text on send, the pull answer's text on receive) until a full GC, and the split-channel
 * receipt keeps every share envelope's base64 ciphertext (n x 4/3 of the payload).
 */
const LIMIT: Record<string, number> = {
  'send plain': 6,
  'receive plain': 7.5,
  'send split': 13,
  'receive split': 10,
};

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
        const sent = await result(sender);
        receiver.stdin.write('go\n');
        const got = await result(receiver);
        console.log(
          `rss ${kind} ${bytes / MiB} MiB: send ${sent.ratio.toFixed(2)}x (${(sent.peak / MiB).toFixed(0)} MiB), receive ${got.ratio.toFixed(2)}x (${(got.peak / MiB).toFixed(0)} MiB)`,
        );
        expect(got.intact).toBe(true);
        expect(sent.ratio).toBeLessThanOrEqual(LIMIT[`send ${kind}`]!);
        expect(got.ratio).toBeLessThanOrEqual(LIMIT[`receive ${kind}`]!);
      }, 180_000);
});
