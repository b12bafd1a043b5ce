// Regression: on Node 20, X25519 keys from generateKeyPairSync deadlocked the process when a GC
// during their export ran the key generation job's destructor (lib/crypto/node.ts,
// x25519Generate). The old code hung in 5 runs of 5 within 100,000 keys; each run here makes
// 150,000 (about 7 s) in a child process, which must finish.
import { expect, it } from 'vitest';
import { spawnFixture, waitForLine } from './child.js';

it('150,000 ephemeral X25519 keys with live references finish (no deadlock)', async () => {
  const child = spawnFixture('x25519-churn.ts', ['150000']);
  try {
    const line = await waitForLine(child, /^done$/, 60_000);
    expect(line[0]).toBe('done');
  } finally {
    child.kill('SIGKILL');
  }
}, 70_000);
