// Entry for Node, Deno and Bun: runs the smoke suite, prints one line per check, exits 1 on failure.
import { runSmoke } from './smoke.mjs';

const runtime =
  typeof Deno !== 'undefined'
    ? `deno ${Deno.version.deno}`
    : typeof Bun !== 'undefined'
      ? `bun ${Bun.version}`
      : `node ${process.version}`;
const r = await runSmoke(runtime);
for (const p of r.passed) console.log(`  ok   ${p}`);
for (const [name, why] of r.failed) console.log(`  FAIL ${name}\n${why}`);
console.log(`  backends: ${JSON.stringify(r.backend)}`);
console.log(`  ${r.runtime}: ${r.passed.length} checks ok, ${r.failed.length} failing`);
if (r.failed.length > 0) {
  if (typeof Deno !== 'undefined') Deno.exit(1);
  else process.exit(1);
}
