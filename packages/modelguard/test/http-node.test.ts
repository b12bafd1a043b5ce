// Real-process tests of the HTTP storage node: `modelguard node serve` servers on loopback,
// killed with SIGKILL during guard and restore, and blobs corrupted on disk behind them.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { didFromEd25519PublicKey } from '@xorida/agent-sdk';
import { backend } from '@xorida/agent-sdk/crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpStorageNode } from '../src/node/http-node.js';
import { guardFile, reconstructFile } from '../src/node/index.js';
import { cli } from './cli-process.js';
import { bytes } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'modelguard-http-'));
const bin = join(import.meta.dirname, '..', 'src', 'node', 'cli.ts');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});
let seq = 0;
const fresh = (name: string) => join(root, `${name}-${seq++}`);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const key = backend.ed25519Signer(new Uint8Array(32).fill(3));
const signer = {
  did: didFromEd25519PublicKey(key.publicKey),
  sign: (m: Uint8Array) => key.sign(m),
};

interface Server {
  dir: string;
  url: string;
  proc: ChildProcess;
}

function serve(dir: string, extra: string[] = []): Promise<Server> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      [
        '--conditions=@xorida/source',
        '--import',
        'tsx',
        bin,
        'node',
        'serve',
        '--dir',
        dir,
        '--port',
        '0',
        '--json',
        ...extra,
      ],
      { cwd: join(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(proc);
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ dir, url: (JSON.parse(line) as { url: string }).url, proc });
    });
    proc.on('exit', (code) => reject(new Error(`node serve exited ${code}`)));
  });
}

const cluster = (count: number) =>
  Promise.all(Array.from({ length: count }, () => serve(fresh('srv'))));
const clients = (servers: Server[]) =>
  servers.map((s) => createHttpStorageNode(s.url, { signer, timeoutMs: 10_000 }));

function model(size: number, seed: number): { path: string; data: Uint8Array } {
  const path = fresh('model');
  const data = bytes(size, seed);
  writeFileSync(path, data);
  return { path, data };
}

// Process start under tsx is slow on a shared machine: one cluster serves every test.
let servers: Server[] = [];
beforeAll(async () => {
  servers = await cluster(5);
}, 180_000);

describe('HTTP storage nodes (5 node serve processes on loopback)', { timeout: 180_000 }, () => {
  it('health and OpenAPI answer; unsigned blob requests are refused', async () => {
    const s = servers[0];
    const h = await fetch(`${s!.url}/health`);
    expect(h.status).toBe(200);
    const api = (await (await fetch(`${s!.url}/openapi.json`)).json()) as { paths: object };
    expect(Object.keys(api.paths)).toContain('/v1/blobs/{name}');
    const r = await fetch(`${s!.url}/v1/blobs`);
    expect(r.status).toBe(401);
  });

  it('--rate-limit n: the n+1-th request in a minute from one address gets 429 RATE_LIMITED', async () => {
    const s = await serve(fresh('srv'), ['--rate-limit', '3']);
    // The address budget runs before authentication, so unsigned requests spend it too.
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await fetch(`${s.url}/v1/blobs`)).status);
    expect(codes).toEqual([401, 401, 401, 429]);
    const body = (await (await fetch(`${s.url}/v1/blobs`)).json()) as { error: { code: string } };
    expect(body.error.code).toBe('RATE_LIMITED');
    // /health stays outside the budget (load balancers poll it).
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
    s.proc.kill('SIGTERM');
    const bad = await cli([
      'node',
      'serve',
      '--dir',
      fresh('srv'),
      '--port',
      '0',
      '--rate-limit',
      '0',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/rate-limit/);
  });

  for (const mode of ['ideal', 'compact'] as const) {
    it(`${mode}: guard and restore over HTTP; a corrupted blob on one node is named`, async () => {
      const nodes = clients(servers);
      const { path, data } = model(600_000, mode === 'ideal' ? 1 : 2);
      const g = await guardFile(path, {
        nodes,
        threshold: 3,
        chunkSize: 100_000,
        mode,
        workers: 0,
      });
      expect(g.ok, JSON.stringify(g)).toBe(true);
      if (!g.ok) return;
      const out = fresh('out');
      const r = await reconstructFile(g.value.manifest, nodes, out, { workers: 0 });
      expect(r.ok && r.value.badNodes).toEqual([]);
      expect(sha(readFileSync(out))).toBe(sha(data));
      // Flip a byte near the end of node 1's blob on its disk, behind the server.
      const file = join(servers[1]!.dir, g.value.blobs[1]!);
      const blob = readFileSync(file);
      blob[blob.length - 5]! ^= 0x40;
      writeFileSync(file, blob);
      const out2 = fresh('out');
      const r2 = await reconstructFile(g.value.manifest, nodes, out2, { workers: 0 });
      expect(r2.ok && r2.value.badNodes).toEqual([1]);
      expect(sha(readFileSync(out2))).toBe(sha(data));
    });
  }

  it('a node killed (SIGKILL) during guard: guard fails naming it, and no manifest is written', async () => {
    const nodes = clients(servers);
    const before = await Promise.all(nodes.map((n) => n.list()));
    const { path } = model(24 * 1024 * 1024, 3);
    let killed = false;
    const g = await guardFile(path, {
      nodes,
      threshold: 3,
      chunkSize: 1024 * 1024,
      workers: 0,
      onProgress: () => {
        if (!killed) {
          killed = true;
          servers[2]!.proc.kill('SIGKILL');
        }
      },
    });
    expect(killed).toBe(true);
    expect(g.ok).toBe(false);
    expect(!g.ok && g.error.code, JSON.stringify(g)).toBe('STORAGE_FAILED');
    expect(!g.ok && g.error.badNodes).toEqual([2]);
    // Nothing committed on the live nodes: no blob is visible there.
    for (const i of [0, 1, 3, 4]) expect(await nodes[i]!.list()).toEqual(before[i]);
    // The CLI writes no manifest when a node is down.
    const manifest = `${path}.manifest.json`;
    const c = await cli([
      'split',
      path,
      '--nodes',
      servers.map((s) => s.url).join(','),
      '--threshold',
      '3',
      '--workers',
      '0',
      '--json',
    ]);
    expect(c.code).toBe(1);
    expect(JSON.parse(c.out).error.code, c.out).toBe('STORAGE_FAILED');
    expect(existsSync(manifest)).toBe(false);
    servers[2] = await serve(servers[2]!.dir); // back up, same blobs, for the next test
  });

  it('a node killed (SIGKILL) during restore is routed around (CLI split --mode compact, API restore)', async () => {
    const { path, data } = model(8 * 1024 * 1024, 4);
    const urls = servers.map((s) => s.url).join(',');
    const split = await cli([
      'split',
      path,
      '--nodes',
      urls,
      '--threshold',
      '3',
      '--mode',
      'compact',
      '--chunk-size',
      '512KiB',
      '--workers',
      '0',
      '--json',
    ]);
    expect(split.code, split.err + split.out).toBe(0);
    const manifest = JSON.parse(readFileSync(`${path}.manifest.json`, 'utf8'));
    expect(manifest.mode).toBe('compact');
    const stored = servers.reduce(
      (sum, s, i) => sum + readFileSync(join(s.dir, `${manifest.id}.node${i}.mgs`)).length,
      0,
    );
    expect(stored / data.length).toBeLessThanOrEqual(1.7);
    const nodes = clients(servers);
    let killed = false;
    const out = fresh('out');
    const r = await reconstructFile(manifest, nodes, out, {
      workers: 0,
      onProgress: () => {
        if (!killed) {
          killed = true;
          servers[4]!.proc.kill('SIGKILL');
        }
      },
    });
    expect(killed).toBe(true);
    expect(r.ok, JSON.stringify(r)).toBe(true);
    expect(r.ok && r.value.badNodes).toEqual([4]);
    expect(sha(readFileSync(out))).toBe(sha(data));
    // And through the CLI with the dead node still listed.
    const out2 = fresh('out');
    const c = await cli([
      'restore',
      `${path}.manifest.json`,
      '--nodes',
      urls,
      '--out',
      out2,
      '--workers',
      '0',
      '--json',
    ]);
    expect(c.code, c.err + c.out).toBe(0);
    expect(sha(readFileSync(out2))).toBe(sha(data));
  });
});
