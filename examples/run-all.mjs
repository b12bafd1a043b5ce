// `pnpm examples`: runs every example script in this folder; each asserts what it prints.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const skip = new Set(['run-all.mjs', 'demo.mjs']);
// Single-file examples are `*.mjs` here; multi-file ones are folders with a `main.mjs`.
const scripts = readdirSync(here, { withFileTypes: true })
  .flatMap((e) => {
    if (e.isFile() && e.name.endsWith('.mjs') && !skip.has(e.name)) return [e.name];
    if (e.isDirectory() && existsSync(join(here, e.name, 'main.mjs')))
      return [join(e.name, 'main.mjs')];
    return [];
  })
  .sort();
let failed = 0;
for (const s of scripts) {
  console.log(`\n### ${s}`);
  const r = spawnSync(process.execPath, [join(here, s)], { stdio: 'inherit', timeout: 120_000 });
  if (r.status !== 0) {
    console.error(`example ${s} failed (exit ${r.status})`);
    failed++;
  }
}
console.log(`\n${scripts.length - failed} of ${scripts.length} examples ran clean`);
process.exit(failed === 0 ? 0 : 1);
