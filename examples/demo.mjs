// The README's demo: runs the main examples in order and fails if any of them fails.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const steps = ['xorida-quickstart.mjs', 'xlink-relay-demo.mjs', 'xghost-iris.mjs'];
for (const step of steps) {
  console.log(`\n### ${step}`);
  const r = spawnSync(process.execPath, [join(here, step)], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`demo step ${step} failed (exit ${r.status})`);
    process.exit(1);
  }
}
console.log('\ndemo finished: every step asserted what it printed');
