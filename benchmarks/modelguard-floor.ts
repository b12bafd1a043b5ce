/**
 * The floor of modelguard's guard and restore on the machine at hand: the per-byte CPU cost of
 * each pass that the formats require (docs/formats.md, manifest version 5), measured here on
 * 64 MiB in 4 MiB slices, summed per model byte and spread perfectly over the cores. The ratio
 * of the SHA-256 reference (page-cache read plus hash) to that time is the best ratio ANY
 * implementation of the format could reach here; modelguard.bench.ts prints it beside each
 * target, the way agent.bench.ts prints its crypto floor.
 *
 * Passes counted per model byte (2-of-3; lower bounds, so the floor is optimistic):
 * - ideal guard: read the model, SHA-256 it (chunk tag), draw (k - 1) = 1 byte of randomness,
 *   one XOR per share byte written (3), a GMAC share tag over every share byte (3), write the
 *   three full-size shares into fresh tmpfs pages (3);
 * - ideal restore: read k = 2 shares, GMAC them (2), one XOR pass for the output, SHA-256 the
 *   output (chunk tag), write it (1);
 * - compact guard: read, SHA-256, AES-256-GCM seal, XOR dispersal into n/k = 1.5 bytes of
 *   shares, GMAC share tags over them (1.5), write them (1.5);
 * - compact restore: read k shares of 1/k each (1), GMAC them (1), one XOR pass, AES-256-GCM
 *   open, SHA-256, write (1).
 *
 * Not counted: copies between buffers, thread hand-offs, GC, system-call overhead beyond the
 * measured write and read, so real pipelines sit above this floor.
 *
 * Pitfall, fresh tmpfs pages under a hypervisor: the write probe reuses pages freed a moment
 * ago. Pages the guest has not touched for a while (or ever) can cost a host fault on first
 * touch, several times more (2 GiB written to /dev/shm by one process here: 0.43 s right after
 * the same volume was freed, 1.3-2.9 s otherwise); modelguard.bench.ts primes tmpfs before each
 * pass so the passes meet the pages this floor assumes.
 */
import { createCipheriv, createHash, randomFillSync } from 'node:crypto';
import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { backend } from '@xorida/agent-sdk/crypto';

const EMPTY = new Uint8Array(0);

const SLICE = 4 * 2 ** 20;
const VOLUME = 64 * 2 ** 20;

/** ns per byte of `fn(slice)` run over VOLUME bytes in SLICE pieces, best of 3. */
function nsPerByte(fn: (slice: Uint8Array, i: number) => void): number {
  const buf = new Uint8Array(SLICE);
  randomFillSync(buf);
  let best = Number.POSITIVE_INFINITY;
  for (let rep = 0; rep < 3; rep++) {
    const t = performance.now();
    for (let i = 0; i < VOLUME / SLICE; i++) fn(buf, i);
    best = Math.min(best, ((performance.now() - t) * 1e6) / VOLUME);
  }
  return best;
}

const key = randomFillSync(new Uint8Array(32));
const iv = randomFillSync(new Uint8Array(12));

/** Per-byte costs, ns, of each pass the formats need. */
export interface PassCosts {
  readPageCache: number;
  readTmpfs: number;
  writeTmpfs: number;
  sha256: number;
  random: number;
  xor: number;
  gmac: number;
  gcm: number;
}

/**
 * Measures every pass.
 * @param modelFile a file of at least 64 MiB, already in the page cache (the model)
 * @param tmpfsDir a directory on tmpfs to write and read a 64 MiB probe in
 * @returns ns per byte for each pass
 */
export function measurePasses(modelFile: string, tmpfsDir: string): PassCosts {
  const fd = openSync(modelFile, 'r');
  const readPageCache = nsPerByte((b, i) => void readSync(fd, b, 0, b.length, i * SLICE));
  closeSync(fd);
  // Fresh tmpfs pages on every rep: the guard writes new blobs, never over old ones.
  const probe = join(tmpfsDir, 'floor-probe.bin');
  let wfd = -1;
  const writeTmpfs = nsPerByte((b, i) => {
    if (i === 0) {
      if (wfd >= 0) closeSync(wfd);
      rmSync(probe, { force: true });
      wfd = openSync(probe, 'w');
    }
    writeSync(wfd, b, 0, b.length);
  });
  closeSync(wfd);
  const rfd = openSync(probe, 'r');
  const readTmpfs = nsPerByte((b, i) => void readSync(rfd, b, 0, b.length, i * SLICE));
  closeSync(rfd);
  rmSync(probe, { force: true });
  const sha256 = nsPerByte((b) => void createHash('sha256').update(b).digest());
  const random = nsPerByte((b) => void randomFillSync(b));
  const other = new BigUint64Array(SLICE / 8);
  const out = new BigUint64Array(SLICE / 8);
  const xor = nsPerByte((b) => {
    const a = new BigUint64Array(b.buffer, b.byteOffset, SLICE / 8);
    for (let j = 0; j < a.length; j++) out[j] = a[j]! ^ other[j]!;
  });
  const gmac = nsPerByte((b) => {
    const c = createCipheriv('aes-256-gcm', key, iv);
    c.setAAD(b);
    c.final();
  });
  // Through the crypto backend, in place, as compact mode seals: node:crypto has no update()
  // into a caller's buffer, so its slicing is part of any Node implementation's cost.
  const room = new Uint8Array(SLICE + 16);
  randomFillSync(room);
  const gcm = nsPerByte(() => {
    void backend.aes256GcmSeal(key, iv, room.subarray(0, SLICE), EMPTY, 0, true);
  });
  return { readPageCache, readTmpfs, writeTmpfs, sha256, random, xor, gmac, gcm };
}

/** CPU ns per model byte of each pass sequence (module doc), 2-of-3. */
export function floorNsPerByte(p: PassCosts): Record<string, number> {
  return {
    'ideal guard':
      p.readPageCache + p.sha256 + p.random + 3 * p.xor + 3 * p.gmac + 3 * p.writeTmpfs,
    'ideal restore': 2 * p.readTmpfs + 2 * p.gmac + p.xor + p.sha256 + p.writeTmpfs,
    'compact guard':
      p.readPageCache + p.sha256 + p.gcm + 1.5 * p.xor + 1.5 * p.gmac + 1.5 * p.writeTmpfs,
    'compact restore': p.readTmpfs + p.gmac + p.xor + p.gcm + p.sha256 + p.writeTmpfs,
  };
}
