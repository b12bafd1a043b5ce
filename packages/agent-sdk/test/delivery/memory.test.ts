// Peak memory of the send and receive paths at the size limit (issue 14, item 4): a relay server
// (this process) and, per case, a sender and a receiver, each in its own Node process
// (fixtures/rss-peer.ts). Each peer reports its peak RSS (Linux: VmHWM, reset at the baseline;
// getrusage's maxRSS kept the test process's peak) minus its baseline, its RSS before the
// payload existed; the test asserts that figure against a multiple of the payload size, the
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
 * 2-core machine, Node 20 and Node 24, each run at least twice) with a margin for GC timing, so
 * that a regression fails:
 *   64 MiB, Node 20: send plain 2.3-2.5x, receive plain 2.1-2.4x, send split 3.2-3.4x,
 *   receive split 2.8-3.0x; Node 24: 2.3-2.4x, 2.3-2.7x (in 14 runs once 3.1x, once 3.8x: the
 *   old code read 2.3-2.7x in 7), 3.2x, 2.9-3.1x.
 *   16 MiB (fixed runtime overhead weighs more), Node 20: 4.4-5.0x, 3.9-4.0x, 5.2-5.3x,
 *   3.1-5.1x; Node 24: 3.3-3.4x, 4.5-5.1x, 4.3x, 6.2-6.3x.
 * Before (maxRSS then counted the test process's peak when a peer was spawned, so a cell run
 * after another read high: Node 24 split 4.1-4.7x, 3.5-5.0x; measured again with VmHWM, 64 MiB,
 * Node 20: 2.2-2.4x, 1.9-2.5x, 3.3x, 3.1-3.5x; Node 24: 3.1x, 2.4x, 4.1x, 3.7x): 64 MiB 3.0-3.4x,
 * 2.3-3.5x, 6.9-8.2x, 4.5-5.6x; earlier 4.2-4.4x, 4.4-4.8x, 9.0-9.5x, 7.9-8.4x; then
 * 5.1-5.3x, 5.7-6.6x, 11.5x, 8.5-8.8x; first 7.5x, 8.9x, 25.1x, 9.4x.
 * How: JSON payloads are encoded and parsed with their large strings cut out (lib/payload-json.ts:
 * no full-size JSON text); streamed uploads do not follow redirects (fetch's request clone teed
 * the body and kept every slice: lib/http-call.ts), and in Node a body of 1 MiB or more goes
 * over node:http from four reused 64 KiB buffers, its base64url text encoded straight into them
 * (lib/node-upload.ts: fetch's fresh slices were about 60 MiB of garbage on Node 24); listen()
 * decodes and decrypts a pulled ciphertext in place from the answer's bytes, never as text
 * (lib/deferred-text.ts; `meta`'s ciphertext then reads ''), and a large answer is read into a
 * resizable buffer whose dead tail (a quarter of the text) is given back once decoded. A large
 * split-channel message is dealt, sealed and sent share by share (split-channel/send-large.ts,
 * xorida `Splitter.dealer`); 2-of-n shares over transports that let an envelope go
 * (`releasesEnvelope`, HTTPS) are made over the split's random stream, sealed in place, sent,
 * decrypted back and turned back into the stream (xorida `ShareDealer.overlay`), so the sender
 * holds the payload, the secret and the stream only; the receipt keeps no share ciphertext. The
 * receiver rebuilds the secret over one of its shares (split-channel/reconstruct-over.ts) and
 * gives back both shares' pull answers (resized to nothing) once combined and decoded. AES-GCM
 * output slices are detached once copied (Node >= 22: freed at once); on Node 20, from 32 MiB,
 * they are taken as 64 KiB Latin-1 strings (they die young; Buffers waited for a full GC).
 * What is left: the receiver's peak is the second pull (first share's secret-to-be, the answer
 * being read and the response chunks); Node 20's send split keeps its Latin-1 GCM slices (no
 * `transfer`). With RSS_TRACE the peers' per-stage memory goes to stderr (its
 * process.memoryUsage() calls themselves can shift GC timing a little).
 */
const LIMITS: Record<number, Record<string, number>> = {
  16: { 'send plain': 6, 'receive plain': 5.5, 'send split': 6.5, 'receive split': 8 },
  64: { 'send plain': 3, 'receive plain': 4, 'send split': 3.75, 'receive split': 3.75 },
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

/** One sender/receiver pair through the relay; the receiver checks the payload it got. */
async function measure(kind: string, bytes: number): Promise<{ sent: Peak; got: Peak }> {
  const receiver = spawnFixture('rss-peer.ts', ['receive', kind, String(bytes), srv.url]);
  const did = (await waitForLine(receiver, /^READY (\S+)$/, 60_000))[1]!;
  const sender = spawnFixture('rss-peer.ts', ['send', kind, String(bytes), srv.url, did]);
  // RSS_TRACE: the peers' per-stage memory (stderr) shown with the test's output
  if (process.env.RSS_TRACE) for (const c of [receiver, sender]) c.stderr.pipe(process.stderr);
  const sent = await result(sender);
  receiver.stdin.write('go\n');
  const got = await result(receiver);
  console.log(
    `rss ${kind} ${bytes / MiB} MiB: send ${sent.ratio.toFixed(2)}x (${(sent.peak / MiB).toFixed(0)} MiB), receive ${got.ratio.toFixed(2)}x (${(got.peak / MiB).toFixed(0)} MiB)`,
  );
  return { sent, got };
}

describe('peak RSS of send and receive at the size limit', () => {
  for (const bytes of SIZES)
    for (const kind of KINDS)
      it(`${kind} ${bytes / MiB} MiB: send and receive each stay within the limit`, async () => {
        const sendLimit = limit(bytes, `send ${kind}`);
        const receiveLimit = limit(bytes, `receive ${kind}`);
        let { sent, got } = await measure(kind, bytes);
        expect(got.intact).toBe(true);
        // When a GC happens to run late the peak only grows, so a figure over the ceiling is
        // measured once more and the lower of the two counts: what the code needs, not when the
        // collector ran. A real regression exceeds the ceiling both times.
        if (sent.ratio > sendLimit || got.ratio > receiveLimit) {
          const again = await measure(kind, bytes);
          expect(again.got.intact).toBe(true);
          if (again.sent.ratio < sent.ratio) sent = again.sent;
          if (again.got.ratio < got.ratio) got = again.got;
        }
        expect(sent.ratio).toBeLessThanOrEqual(sendLimit);
        expect(got.ratio).toBeLessThanOrEqual(receiveLimit);
      }, 360_000);
});
