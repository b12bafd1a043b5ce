/**
 * Runs every `*.bench.ts` in this folder in its own process (so one benchmark's heap does not
 * disturb the next), or only those named on the command line: `pnpm bench xorida`.
 * BENCH_SMOKE=1 runs each briefly (CI smoke mode); tables and JSON still come out.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();
let failed = 0;
for (const f of files) {
  console.log(`\n=== ${f}${process.env.BENCH_SMOKE ? ' (smoke)' : ''}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, f)], {
    stdio: 'inherit',
    env: process.env,
  });
  if (r.status !== 0) {
    console.error(`benchmark ${f} failed with status ${r.status}`);
    failed++;
  }
}
process.exit(failed === 0 ? 0 : 1);
