// SIGTERM always ends a server (server kit, src/node/server-kit/app.ts `shutdownGraceMs`): a real
// `xlink serve` process holding a request that never completes (a client that sent half of its
// body and went quiet) exits within the 10 s grace period. Before the grace period, Fastify's
// close() waited for that connection without bound, so the process never exited; in CI a relay
// once took over 60 s to stop after a test.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serve, sleep } from './e2e-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'xlink-shutdown-'));

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('graceful shutdown is bounded', () => {
  it('a request stuck mid-body does not keep xlink serve from exiting on SIGTERM', async () => {
    const srv = await serve(['--data-dir', join(root, 'data')], {
      XDG_CONFIG_HOME: join(root, 'cfg'),
    });
    const { hostname, port } = new URL(srv.url);
    const socket = connect(Number(port), hostname);
    await new Promise<void>((r) => socket.once('connect', () => r()));
    let closedByServer = false;
    socket.on('close', () => (closedByServer = true));
    socket.on('error', () => {});
    // 10 of 100 announced body bytes, then silence: the request stays in flight.
    socket.write(
      `POST /relay/did%3Akey%3Az6Mk/pull HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"limit":1`,
    );
    await sleep(300);
    const t0 = Date.now();
    await srv.stop();
    const ms = Date.now() - t0;
    expect(ms).toBeLessThan(20_000);
    expect(ms).toBeGreaterThanOrEqual(9_000); // it did wait for the request first
    await sleep(50);
    expect(closedByServer).toBe(true);
    socket.destroy();
  }, 40_000);
});
