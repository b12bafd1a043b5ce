/**
 * Relay throughput: concurrent `POST /relay/:did` of v2 envelopes carrying a 256-byte JSON
 * payload to the BUILT server running in its own process on loopback (so the load generator
 * does not share its event loop), with the file store (fsync before each 202, group-committed)
 * and the Redis store. Reports stored envelopes/s (202 answers per second of wall time) and
 * request latency p50/p99. Targets: >= 2 000 stored envelopes/s, p99 <= 20 ms. Then 16 MiB
 * payloads (the size policy's default maximum) to the file store: a fixed number of POSTs at
 * c = 2, latency and MB/s (no target; file store only, so a shared Redis is not filled).
 * Build first: `pnpm --filter "@xorida/agent-sdk..." build && pnpm bench relay`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent as HttpAgent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, LoopbackTransport, MemoryTrustRegistry } from '@xorida/agent-sdk';
import { type Row, report, SMOKE } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DURATION_MS = SMOKE ? 300 : 5000;
const WARMUP_MS = SMOKE ? 50 : 500;
// 8 connections: enough to saturate the server on 2 cores; more only adds queueing latency.
const CONCURRENCY = Number(process.env.RELAY_BENCH_CONCURRENCY ?? 8);
const MAX_REQUESTS = 200_000;

function payload256(): Record<string, unknown> {
  const base = { type: 'payment', amount: 99.5, currency: 'USD', id: 'txn_abc123', note: '' };
  return { ...base, note: 'x'.repeat(256 - JSON.stringify(base).length) };
}

async function envelopes(
  count: number,
  recipients: number,
  payloadOf: () => Record<string, unknown> | Uint8Array = payload256,
): Promise<{ to: string; body: string }[]> {
  const registry = new MemoryTrustRegistry();
  const transport = new LoopbackTransport({ maxOutbox: count });
  const sender = await Agent.quickstart({ registry, transport });
  const rcpts = await Promise.all(
    Array.from({ length: recipients }, () => Agent.quickstart({ registry, transport })),
  );
  const payload = payloadOf();
  if (payloadOf === payload256 && JSON.stringify(payload).length !== 256)
    throw new Error('payload is not 256 bytes');
  const out: { to: string; body: string }[] = [];
  for (let i = 0; i < count; i++) {
    const to = rcpts[i % recipients]!.did;
    const s = await sender.send({ to, payload, scope: 'bench' });
    if (!s.ok || s.value.version !== 2) throw new Error('send failed');
    out.push({ to, body: JSON.stringify(s.value.envelope) });
  }
  return out;
}

function startServer(args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    [
      ...(process.env.RELAY_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      join(here, 'relay-server-child.mjs'),
      ...args,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      const m = String(d).match(/PORT (\d+)/);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.once('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
}

function post(agent: HttpAgent, port: number, env: { to: string; body: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: `/relay/${env.to}`,
        agent,
        headers: {
          'content-type': 'application/xlink-envelope+json',
          'content-length': Buffer.byteLength(env.body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(env.body);
  });
}

async function load(
  port: number,
  envs: { to: string; body: string }[],
  opts: { concurrency?: number; maxRequests?: number; warmupMs?: number } = {},
) {
  const concurrency = opts.concurrency ?? CONCURRENCY;
  const maxRequests = opts.maxRequests ?? MAX_REQUESTS;
  const agent = new HttpAgent({ keepAlive: true, maxSockets: concurrency });
  let i = 0;
  const run = async (until: number, lat: number[] | null, counts: { ok: number; bad: number }) => {
    while (Date.now() < until && i < maxRequests) {
      const env = envs[i++ % envs.length]!;
      const t = performance.now();
      const status = await post(agent, port, env);
      if (lat) lat.push(performance.now() - t);
      if (status === 202) counts.ok++;
      else counts.bad++;
    }
  };
  const warm = { ok: 0, bad: 0 };
  const wEnd = Date.now() + (opts.warmupMs ?? WARMUP_MS);
  await Promise.all(Array.from({ length: concurrency }, () => run(wEnd, null, warm)));
  const lat: number[] = [];
  const counts = { ok: 0, bad: 0 };
  const t0 = performance.now();
  const end = Date.now() + (opts.maxRequests ? 600_000 : DURATION_MS);
  await Promise.all(Array.from({ length: concurrency }, () => run(end, lat, counts)));
  const secs = (performance.now() - t0) / 1000;
  agent.destroy();
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? Number.NaN;
  return {
    stored: counts.ok,
    refused: counts.bad,
    perSec: counts.ok / secs,
    p50Ms: q(0.5),
    p99Ms: q(0.99),
    meanMs: lat.reduce((a, b) => a + b, 0) / Math.max(1, lat.length),
  };
}

async function redisUp(): Promise<boolean> {
  const { Socket } = await import('node:net');
  const u = new URL(REDIS_URL);
  return new Promise((resolve) => {
    const s = new Socket();
    s.setTimeout(1000);
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
    s.connect(Number(u.port || 6379), u.hostname, () => {
      s.end();
      resolve(true);
    });
  });
}

const envs = await envelopes(SMOKE ? 64 : 512, 8);
const bodyBytes = Buffer.byteLength(envs[0]!.body);
const rows: Row[] = [];
const results: Record<string, unknown> = {};
const stores: { name: string; args: () => string[]; cleanup?: () => void }[] = [];
const dir = mkdtempSync(join(tmpdir(), 'xlink-relay-bench-'));
stores.push({
  name: 'file',
  args: () => [dir],
  cleanup: () => rmSync(dir, { recursive: true, force: true }),
});
if (await redisUp())
  stores.push({
    name: 'redis',
    args: () => ['', REDIS_URL, `xlink-bench:${randomBytes(4).toString('hex')}:`],
  });
else {
  console.warn(`relay bench: Redis at ${REDIS_URL} unreachable, Redis store not measured`);
  results.redis = 'unreachable';
}
for (const s of stores) {
  const { child, port } = await startServer(s.args());
  try {
    const r = await load(port, envs);
    results[s.name] = r;
    rows.push({
      task: `relay POST ${s.name} store (v2, 256 B payload, ${bodyBytes} B body, c=${CONCURRENCY})`,
      medianUs: r.p50Ms * 1000,
      meanUs: r.meanMs * 1000,
      p99Us: r.p99Ms * 1000,
      opsPerSec: r.perSec,
      samples: r.stored + r.refused,
    });
    if (r.refused > 0) throw new Error(`${r.refused} envelopes refused by the ${s.name} store`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    s.cleanup?.();
  }
}
// 16 MiB payloads (size-policy.ts default maximum) to the file store.
{
  const big = await envelopes(2, 2, () => new Uint8Array(16 * 1024 * 1024).fill(0x61));
  const bigBody = Buffer.byteLength(big[0]!.body);
  const bigDir = mkdtempSync(join(tmpdir(), 'xlink-relay-bench-16m-'));
  const { child, port } = await startServer([bigDir]);
  try {
    const n = SMOKE ? 2 : 12;
    const r = await load(port, big, { concurrency: 2, maxRequests: n, warmupMs: 0 });
    if (r.refused > 0) throw new Error(`${r.refused} 16 MiB envelopes refused`);
    results.file16MiB = { ...r, bodyBytes: bigBody, mbPerSec: (r.perSec * bigBody) / 1e6 };
    rows.push({
      task: `relay POST file store (v2, 16 MiB payload, ${bigBody} B body, c=2, ${n} requests)`,
      medianUs: r.p50Ms * 1000,
      meanUs: r.meanMs * 1000,
      p99Us: r.p99Ms * 1000,
      opsPerSec: r.perSec,
      samples: r.stored + r.refused,
    });
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(bigDir, { recursive: true, force: true });
  }
}
report('relay', rows, { targets: { storedPerSec: 2000, p99Ms: 20 }, results });
for (const [name, r] of Object.entries(results)) {
  if (typeof r !== 'object' || r === null || name === 'file16MiB') continue;
  const x = r as { perSec: number; p99Ms: number };
  console.log(
    `${name}: ${Math.round(x.perSec)} stored envelopes/s (target >= 2000: ${x.perSec >= 2000 ? 'met' : 'missed'}), p99 ${x.p99Ms.toFixed(2)} ms (target <= 20: ${x.p99Ms <= 20 ? 'met' : 'missed'})`,
  );
}
