/**
 * Runs every `*.bench.ts` in this folder in its own process (so one benchmark's heap does not
 * disturb the next), or only those named on the command line: `pnpm bench xorida`.
 * BENCH_SMOKE=1 runs each briefly (CI smoke mode); tables and JSON still come out.
 *
 * The agent benchmark runs on two Node lines, this process's node (Node 20: the @noble
 * post-quantum fallback) and Node 24 LTS from runtimes/ (npm alias node24, native ML-KEM /
 * ML-DSA), each with jose measured in the same process, then prints the ratios side by side.
 * The xorida, xghost and xpass benchmarks (issue 15's small-operation targets) run on both too,
 * and their medians are printed side by side. So does the modelguard benchmark (issue 16's
 * throughput targets), whose guard and restore times are also printed against the faster of
 * the two runtimes' SHA-256 references, so that a slow reference on one line cannot flatter it.
 */

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { modelguardSideBySide } from './modelguard-compare.js';

const here = dirname(fileURLToPath(import.meta.url));
const NODE24 = join(here, '..', 'runtimes', 'node_modules', 'node24', 'bin', 'node');
// The agent benchmark and the small-operation targets of issue 15 (xorida 64 B, xghost 100 KiB,
// xpass cold decrypt) run on both Node lines.
const MULTI_RUNTIME = new Set([
  'agent.bench.ts',
  'modelguard.bench.ts',
  'xghost.bench.ts',
  'xorida.bench.ts',
  'xpass.bench.ts',
]);
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

function runOn(node: string, f: string, suffix = ''): boolean {
  const r = spawnSync(node, ['--import', 'tsx', join(here, f)], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_RESULT_SUFFIX: suffix },
  });
  if (r.status !== 0) console.error(`benchmark ${f} on ${node} failed with status ${r.status}`);
  return r.status === 0;
}

interface AgentResult {
  machine: { node: string; cpu: string; loadavg?: number[] };
  date: string;
  rows: { task: string; medianUs: number }[];
  ratios: { task: string; ratioToJose: number; target: number | null; met: boolean | null }[];
  interleavedRatios: { task: string; ratio: number; target: number | null }[];
}

function sideBySide(name: string, suffixes: string[]): void {
  const results = suffixes.map(
    (s) =>
      JSON.parse(readFileSync(join(here, 'results', `${name}${s}.json`), 'utf8')) as AgentResult,
  );
  const table: Record<string, Record<string, string>> = {};
  const fmt = (r: number, t: number | null) =>
    `${r.toFixed(2)}× ${t == null ? '(report)' : r <= t ? `≤ ${t} ok` : `> ${t} MISSED`}`;
  for (const res of results) {
    const col = `Node ${res.machine.node}`;
    table['jose µs'] = { ...table['jose µs'], [col]: res.rows[0]!.medianUs.toFixed(0) };
    for (const r of res.ratios)
      table[r.task] = { ...table[r.task], [col]: fmt(r.ratioToJose, r.target) };
    for (const r of res.interleavedRatios)
      table[`${r.task} (A/B)`] = { ...table[`${r.task} (A/B)`], [col]: fmt(r.ratio, r.target) };
    table['load avg (1/5/15 min)'] = {
      ...table['load avg (1/5/15 min)'],
      [col]: (res.machine.loadavg ?? []).join(' '),
    };
  }
  console.log(`\n=== ${name}: ratio to jose (median), side by side`);
  console.table(table);
}

/** Any benchmark: every row's median on each runtime, side by side. */
function mediansSideBySide(name: string, suffixes: string[]): void {
  const table: Record<string, Record<string, string>> = {};
  for (const s of suffixes) {
    const res = JSON.parse(readFileSync(join(here, 'results', `${name}${s}.json`), 'utf8')) as {
      machine: { node: string };
      rows: { task: string; medianUs: number }[];
    };
    const col = `Node ${res.machine.node} median µs`;
    for (const r of res.rows) table[r.task] = { ...table[r.task], [col]: r.medianUs.toFixed(2) };
  }
  console.log(`\n=== ${name}: medians side by side`);
  console.table(table);
}

let failed = 0;
for (const f of files) {
  console.log(`\n=== ${f}${process.env.BENCH_SMOKE ? ' (smoke)' : ''}`);
  if (!MULTI_RUNTIME.has(f) || !existsSync(NODE24)) {
    if (!runOn(process.execPath, f)) failed++;
    continue;
  }
  const name = f.replace('.bench.ts', '');
  const okA = runOn(process.execPath, f, '-fallback');
  console.log(`\n=== ${f} on Node 24 (${NODE24})`);
  const okB = runOn(NODE24, f, '-node24');
  if (!okA || !okB) failed++;
  else if (name === 'agent') sideBySide(name, ['-fallback', '-node24']);
  else if (name === 'modelguard')
    modelguardSideBySide(join(here, 'results'), ['-fallback', '-node24']);
  else mediansSideBySide(name, ['-fallback', '-node24']);
}
process.exit(failed === 0 ? 0 : 1);
