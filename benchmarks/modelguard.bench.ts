/**
 * modelguard streaming throughput: guardFile (2-of-3) and reconstructFile (from 2 nodes) of a
 * 1 GiB file (32 MiB with BENCH_SMOKE=1), against single-stream SHA-256 (node:crypto) over the
 * same file in the same run. Each pass runs in its own child process to measure its peak RSS
 * (`process.resourceUsage().maxRSS`). The file is freshly written, so all passes read from the
 * page cache; `sync` runs before every pass so that writeback of earlier passes does not land
 * in the next one. Guard and restore are measured without fsync (CPU pipeline) and with fsync.
 * Both storage modes (ideal, compact) are run. Targets: guard and restore >= 0.45x sha256
 * throughput (0.6x for compact), peak RSS <= 256 MiB.
 */
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Row, report, SMOKE } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const SIZE = SMOKE ? 32 * 2 ** 20 : 2 ** 30;
const REPS = SMOKE ? 1 : 2;
const work = mkdtempSync(join(tmpdir(), 'modelguard-bench-'));

interface ChildResult {
  op: string;
  ms: number;
  maxRssMiB: number;
  sha256?: string;
}

function child(args: string[]): ChildResult {
  // Flush dirty pages of earlier passes first, so their writeback does not land in this one.
  spawnSync('sync');
  const r = spawnSync(process.execPath, [join(here, 'modelguard-child.mjs'), ...args], {
    cwd: here,
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`child ${args[0]} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult;
}

const loadBefore = loadavg();
try {
  const file = join(work, 'model.bin');
  const fd = openSync(file, 'w');
  const block = new Uint8Array(16 * 2 ** 20);
  for (let done = 0; done < SIZE; done += block.length) {
    randomFillSync(block);
    writeSync(fd, block, 0, Math.min(block.length, SIZE - done));
  }
  closeSync(fd);
  const dirs = [0, 1, 2].map((i) => join(work, `node${i}`));
  const manifest = join(work, 'manifest.json');
  const out = join(work, 'restored.bin');
  const runs: Record<string, ChildResult[]> = {};
  const add = (name: string, r: ChildResult) => {
    runs[name] = [...(runs[name] ?? []), r];
  };
  let expected = '';
  for (let rep = 0; rep < REPS; rep++) {
    const s = child(['sha256', file]);
    expected = s.sha256!;
    add('sha256 (node:crypto, streaming)', s);
    // Default workers (one per core) with and without fsync, then 1 worker without fsync.
    for (const [mode, workers, storage] of [
      ['nofsync', '', 'ideal'],
      ['fsync', '', 'ideal'],
      ['nofsync', '1', 'ideal'],
      ['nofsync', '', 'compact'],
      ['fsync', '', 'compact'],
    ] as const) {
      rmSync(dirs[0]!, { recursive: true, force: true });
      rmSync(dirs[1]!, { recursive: true, force: true });
      rmSync(dirs[2]!, { recursive: true, force: true });
      const label = `${storage}, ${mode}${workers ? `, ${workers} workers` : ''}`;
      const g = child(['guard', file, dirs.join(','), manifest, mode, '', workers, storage]);
      if (g.sha256 !== expected) throw new Error('guard hash differs from sha256');
      add(`guardFile 2-of-3 (${label})`, g);
      const r = child([
        'restore',
        file,
        [dirs[0]!, dirs[2]!].join(','),
        manifest,
        mode,
        out,
        workers,
      ]);
      add(`reconstructFile 2 nodes (${label})`, r);
      rmSync(out, { force: true });
    }
  }
  const mbps = (ms: number) => SIZE / 1e6 / (ms / 1000);
  const best = (name: string) => Math.min(...runs[name]!.map((r) => r.ms));
  const shaBest = best('sha256 (node:crypto, streaming)');
  const rows: Row[] = Object.entries(runs).map(([task, rs]) => {
    const ms = rs.map((r) => r.ms).sort((a, b) => a - b);
    return {
      task,
      medianUs: ms[Math.floor(ms.length / 2)]! * 1000,
      meanUs: (ms.reduce((a, b) => a + b, 0) / ms.length) * 1000,
      p99Us: ms[ms.length - 1]! * 1000,
      opsPerSec: 1000 / ms[0]!,
      samples: ms.length,
    };
  });
  const table = Object.entries(runs).map(([task, rs]) => {
    const ms = Math.min(...rs.map((r) => r.ms));
    return {
      task,
      'best s': Number((ms / 1000).toFixed(2)),
      'MB/s': Math.round(mbps(ms)),
      'x sha256': Number((shaBest / ms).toFixed(2)),
      'peak RSS MiB': Math.round(Math.max(...rs.map((r) => r.maxRssMiB))),
    };
  });
  const loadAfter = loadavg();
  console.log(
    `file: ${SIZE / 2 ** 20} MiB, ${REPS} rep(s), best of reps; targets: >= 0.45x sha256, <= 256 MiB RSS; load average before ${loadBefore.map((x) => x.toFixed(2)).join(' ')}, after ${loadAfter.map((x) => x.toFixed(2)).join(' ')} (${cpus().length} cores, shared)`,
  );
  console.table(table);
  report('modelguard', rows, { sizeBytes: SIZE, table, loadBefore, loadAfter });
} finally {
  rmSync(work, { recursive: true, force: true });
}
