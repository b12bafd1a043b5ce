// Stale-lock race: N real processes race to take over the same durable-log owner lock left by
// a process that no longer exists, and exactly one of them owns it, in every one of 500 trials.
// One worker process per racer loops over all trials, synchronised per trial by a filesystem
// barrier (see fixtures/lock-racer.ts), so the test spawns 4 processes, not 2,000.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { acquireOwnerLock, pidAlive, releaseOwnerLock } from '../../src/node/owner-lock.js';
import { spawnFixture, waitForLine } from './child.js';

const RACERS = 4;
const TRIALS = 500;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The pid of a process that has exited (spawned and reaped here). */
function deadPid(): number {
  const c = spawnSync(process.execPath, ['-e', '']);
  if (typeof c.pid !== 'number' || pidAlive(c.pid)) throw new Error('no dead pid');
  return c.pid;
}

it(`exactly one of ${RACERS} processes takes over a stale lock, in each of ${TRIALS} trials`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xlink-lock-race-'));
  dirs.push(dir);
  const dead = deadPid();
  for (let t = 0; t < TRIALS; t++) {
    mkdirSync(join(dir, String(t)));
    // Every 10th stale lock is unreadable garbage (a crash while it was written by hand).
    writeFileSync(join(dir, String(t), 'log.lock'), t % 10 === 9 ? 'garbage' : String(dead));
  }
  const children = Array.from({ length: RACERS }, (_, i) =>
    spawnFixture('lock-racer.ts', [dir, String(i), String(RACERS), String(TRIALS)]),
  );
  const pids = children.map((c) => c.pid);
  await Promise.all(children.map((c) => waitForLine(c, /^DONE$/, 120_000)));
  const bad: string[] = [];
  for (let t = 0; t < TRIALS; t++) {
    const results = pids.map((_, i) => readFileSync(join(dir, String(t), `result-${i}`), 'utf8'));
    const owners = results.flatMap((r, i) => (r === 'owner' ? [pids[i]] : []));
    const lockHolder = Number(readFileSync(join(dir, String(t), 'log.lock'), 'utf8'));
    const busyHolders = results.filter((r) => r !== 'owner').map((r) => Number(r.split(' ')[1]));
    if (owners.length !== 1 || lockHolder !== owners[0] || busyHolders.some((h) => h !== owners[0]))
      bad.push(`trial ${t}: ${JSON.stringify(results)}, lock holds ${lockHolder}`);
  }
  expect(bad).toEqual([]);
}, 180_000);

it('refuses a lock held by a live process and leaves no helper files behind', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xlink-lock-'));
  dirs.push(dir);
  const lock = join(dir, 'a.lock');
  writeFileSync(lock, String(process.ppid)); // the parent of this process is alive
  expect(acquireOwnerLock(lock)).toEqual({ acquired: false, holder: process.ppid });
  writeFileSync(lock, String(deadPid()));
  expect(acquireOwnerLock(lock)).toEqual({ acquired: true });
  expect(readFileSync(lock, 'utf8')).toBe(String(process.pid));
  expect(acquireOwnerLock(lock)).toEqual({ acquired: false, holder: process.pid });
  releaseOwnerLock(lock);
  expect(spawnSync('ls', ['-A', dir]).stdout.toString()).toBe('');
});
