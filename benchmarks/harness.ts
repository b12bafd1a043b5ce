/**
 * Shared benchmark plumbing: tinybench settings for full and smoke runs, a table printer with
 * medians in microseconds, and JSON output under benchmarks/results/ with machine and date.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench, type Task } from 'tinybench';

export const SMOKE = Boolean(process.env.BENCH_SMOKE);

/**
 * A tinybench `Bench` sized for a full run (about `fullTimeMs` per task, at least `iterations`
 * samples) or a smoke run (20 ms, at least 2 samples, or 1 when `iterations` is 1).
 */
export function makeBench(name: string, fullTimeMs = 1000, iterations = 10): Bench {
  return new Bench({
    name,
    time: SMOKE ? 20 : fullTimeMs,
    warmupTime: SMOKE ? 5 : 200,
    // tinybench warms up for at least 16 iterations by default: too many for multi-second peers.
    warmupIterations: SMOKE ? 1 : Math.min(5, iterations),
    iterations: SMOKE ? Math.min(2, iterations) : iterations,
  });
}

export interface Row {
  task: string;
  medianUs: number;
  meanUs: number;
  p99Us: number;
  opsPerSec: number;
  samples: number;
}

/** Median, mean and p99 latency of a finished task, in microseconds. */
export function rowOf(task: Task): Row {
  const r = task.result;
  if (!r || r.error || r.aborted) {
    throw new Error(
      `benchmark task ${task.name} did not complete: ${r?.error?.message ?? 'aborted'}`,
    );
  }
  return {
    task: task.name,
    medianUs: (r.latency.p50 ?? Number.NaN) * 1000,
    meanUs: r.latency.mean * 1000,
    p99Us: (r.latency.p99 ?? Number.NaN) * 1000,
    opsPerSec: r.throughput.mean,
    samples: r.latency.samples.length,
  };
}

/** Prints rows as a table (µs) and writes `{ machine, date, rows, extra }` to results/<name>.json. */
export function report(name: string, rows: Row[], extra: Record<string, unknown> = {}): void {
  console.table(
    rows.map((r) => ({
      task: r.task,
      'median µs': Number(r.medianUs.toFixed(3)),
      'mean µs': Number(r.meanUs.toFixed(3)),
      'p99 µs': Number(r.p99Us.toFixed(3)),
      'ops/s': Math.round(r.opsPerSec),
      samples: r.samples,
    })),
  );
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(dir, { recursive: true });
  const machine = {
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    memGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadavg: loadavg().map((x) => Number(x.toFixed(2))),
  };
  writeFileSync(
    // run.ts sets BENCH_RESULT_SUFFIX when one benchmark runs on several Node binaries.
    join(dir, `${name}${process.env.BENCH_RESULT_SUFFIX ?? ''}.json`),
    `${JSON.stringify({ machine, date: new Date().toISOString(), smoke: SMOKE, rows, ...extra }, null, 2)}\n`,
  );
}
