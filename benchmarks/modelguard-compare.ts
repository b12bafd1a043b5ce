/**
 * The modelguard benchmark on several Node lines, side by side (used by run.ts): each
 * runtime's guard and restore times on tmpfs as a ratio to its own SHA-256 reference (the
 * figure modelguard.bench.ts reports) and to the fastest SHA-256 reference of all the runtimes
 * run, which is the stricter of the two when one runtime hashes, or reads its input, slower;
 * and the floor of the format on that runtime (modelguard-floor.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ModelguardResult {
  machine: { node: string; cores: number };
  passNsPerByte?: { readPageCache: number; sha256: number };
  floorNsPerByte?: Record<string, number>;
  bestMs: Record<string, number>;
  sizeBytes: number;
}

const TARGETS = { ideal: 0.45, compact: 0.6 } as const;

/**
 * Prints one table: a row per mode and pass, a column pair per runtime.
 * @param dir the results folder
 * @param suffixes one BENCH_RESULT_SUFFIX per runtime (`results/modelguard<suffix>.json`)
 */
export function modelguardSideBySide(dir: string, suffixes: readonly string[]): void {
  const results = suffixes.map(
    (s) => JSON.parse(readFileSync(join(dir, `modelguard${s}.json`), 'utf8')) as ModelguardResult,
  );
  const fastestSha = Math.min(...results.map((r) => r.bestMs.sha256!));
  const verdict = (x: number, t: number) => `${x.toFixed(2)}× ${x >= t ? 'met' : 'MISSED'}`;
  const table: Record<string, Record<string, string>> = {};
  for (const r of results) {
    const col = `Node ${r.machine.node}`;
    const mbps = (ms: number) => `${Math.round(r.sizeBytes / 1e6 / (ms / 1000))} MB/s`;
    table['SHA-256 reference'] = { ...table['SHA-256 reference'], [col]: mbps(r.bestMs.sha256!) };
    for (const mode of ['ideal', 'compact'] as const)
      for (const op of ['guard', 'restore'] as const) {
        const ms = r.bestMs[`${mode} ${op} tmpfs`]!;
        const own = `${mode} ${op} tmpfs, x own SHA-256 (>= ${TARGETS[mode]})`;
        const strict = `${mode} ${op} tmpfs, x fastest SHA-256`;
        table[own] = { ...table[own], [col]: verdict(r.bestMs.sha256! / ms, TARGETS[mode]) };
        table[strict] = { ...table[strict], [col]: verdict(fastestSha / ms, TARGETS[mode]) };
        const floor = r.floorNsPerByte?.[`${mode} ${op}`];
        const p = r.passNsPerByte;
        if (floor && p) {
          const row = `${mode} ${op} tmpfs, floor of the format`;
          const x = (p.readPageCache + p.sha256) / (floor / r.machine.cores);
          table[row] = { ...table[row], [col]: `${x.toFixed(2)}×` };
        }
      }
  }
  console.log('\n=== modelguard: tmpfs throughput on each runtime, side by side');
  console.table(table);
}
