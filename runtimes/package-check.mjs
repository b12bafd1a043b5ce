// Packaging checks for every published package under packages/:
//  - publint and @arethetypeswrong/cli (ESM + CJS resolution, types) clean;
//  - `pnpm pack` tarballs installed with npm into a scratch project, imported with `import` and
//    with `require`;
//  - `sideEffects: false` declared; the browser entry bundles without any `node:` import;
//  - minified and gzipped size of each package's browser entry reported.
// Exits 1 naming every package and check that failed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { packAll, publishedPackages } from '../scripts/pack-all.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const bin = (name) => join(here, 'node_modules', '.bin', name);
const failures = [];
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const sizes = {};

function sh(cmd, args, cwd, quiet = false) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 300_000 });
  if (!quiet || r.status !== 0) process.stdout.write((r.stdout ?? '') + (r.stderr ?? ''));
  return r.status === 0;
}

const packages = publishedPackages();

const scratch = mkdtempSync(join(tmpdir(), 'xorida-pack-'));
const tarballs = [];
for (const { dir, pkg } of packages) {
  console.log(`\n--- ${pkg.name}@${pkg.version}`);
  if (pkg.sideEffects !== false) failures.push(`${pkg.name}: sideEffects is not false`);
  if (!sh(bin('publint'), ['--strict'], dir)) failures.push(`${pkg.name}: publint`);
  // attw: 'node10' resolution is irrelevant for an exports-only ESM+CJS package on Node >= 20.
  // Its exit code also counts node10 problems the profile says to ignore (agent-sdk's private
  // `#crypto` import cannot resolve under node10), so the verdict comes from the JSON report,
  // keeping every problem of every other resolution kind.
  sh(bin('attw'), ['--pack', '.', '--profile', 'node16', '--format', 'table-flipped'], dir);
  const attw = spawnSync(bin('attw'), ['--pack', '.', '--format', 'json'], {
    cwd: dir,
    encoding: 'utf8',
  });
  const report = JSON.parse(attw.stdout || '{}');
  const problems = (report.analysis?.problems ?? report.problems ?? []).filter(
    (p) => (p.resolutionKind ?? p.resolutionOption) !== 'node10',
  );
  if (problems.length > 0 || !attw.stdout) {
    console.error(JSON.stringify(problems, null, 1));
    failures.push(`${pkg.name}: arethetypeswrong`);
  }
  for (const file of ['README.md', 'LICENSE'])
    if (!pkg.files?.includes(file) || !existsSync(join(dir, file)))
      failures.push(`${pkg.name}: ${file} is not shipped`);
  for (const field of ['repository', 'homepage', 'bugs'])
    if (!pkg[field]) failures.push(`${pkg.name}: package.json has no ${field}`);
  if (pkg.engines?.node !== rootPkg.engines.node)
    failures.push(
      `${pkg.name}: engines.node ${pkg.engines?.node} differs from the root's ${rootPkg.engines.node}`,
    );

  const { build } = await import('esbuild');
  const r = await build({
    stdin: { contents: `export * from '${pkg.name}';`, resolveDir: here },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    metafile: true,
    logLevel: 'silent',
    external: packages.filter((p) => p.pkg.name !== pkg.name).map((p) => p.pkg.name),
  }).catch((e) => ({ error: e }));
  if (r.error) {
    failures.push(`${pkg.name}: browser bundle failed: ${r.error.message}`);
    continue;
  }
  const nodeImports = Object.values(r.metafile.inputs).flatMap((i) =>
    i.imports.filter((x) => x.path.startsWith('node:')),
  );
  if (nodeImports.length > 0)
    failures.push(
      `${pkg.name}: browser entry reaches ${nodeImports.map((x) => x.path).join(', ')}`,
    );
  const code = r.outputFiles[0].contents;
  sizes[pkg.name] = { minifiedBytes: code.length, gzipBytes: gzipSync(code).length };
}

try {
  tarballs.push(...packAll(scratch));
} catch (e) {
  failures.push(e.message);
}

console.log(`\n--- install the tarballs with npm into ${scratch} and import them both ways`);
writeFileSync(
  join(scratch, 'package.json'),
  JSON.stringify({ name: 'scratch', private: true, type: 'module' }),
);
if (
  !sh(
    'npm',
    ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs.map((t) => t.tgz)],
    scratch,
    true,
  )
) {
  failures.push('npm install of the tarballs');
} else {
  for (const { name } of tarballs) {
    const esm = `const m = await import('${name}'); if (Object.keys(m).length < 3) throw new Error('few exports'); console.log('  import ${name}: ' + Object.keys(m).length + ' exports');`;
    const cjs = `const m = require('${name}'); if (Object.keys(m).length < 3) throw new Error('few exports'); console.log('  require ${name}: ' + Object.keys(m).length + ' exports');`;
    writeFileSync(join(scratch, 'esm.mjs'), esm);
    writeFileSync(join(scratch, 'cjs.cjs'), cjs);
    if (!sh(process.execPath, ['esm.mjs'], scratch))
      failures.push(`${name}: ESM import from the tarball`);
    if (!sh(process.execPath, ['cjs.cjs'], scratch))
      failures.push(`${name}: CJS require from the tarball`);
  }
  // Each CLI the way the READMEs say to run it: `npx -p <package> <bin>`.
  for (const { pkg } of packages) {
    for (const binName of Object.keys(pkg.bin ?? {})) {
      const r = spawnSync('npx', ['--offline', '-p', pkg.name, binName, '--version'], {
        cwd: scratch,
        encoding: 'utf8',
        timeout: 120_000,
      });
      if (r.status === 0 && r.stdout.trim() === pkg.version)
        console.log(`  npx -p ${pkg.name} ${binName} --version: ${r.stdout.trim()}`);
      else {
        process.stdout.write((r.stdout ?? '') + (r.stderr ?? ''));
        failures.push(`${pkg.name}: npx -p ${pkg.name} ${binName} --version`);
      }
    }
  }
}
rmSync(scratch, { recursive: true, force: true });

console.log('\nbrowser entry sizes (esbuild --minify, then gzip):');
console.table(sizes);
mkdirSync(join(here, '.tmp'), { recursive: true });
writeFileSync(join(here, '.tmp', 'sizes.json'), `${JSON.stringify(sizes, null, 2)}\n`);
if (failures.length > 0) {
  console.error(`package checks FAILED:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log('package checks: all clean');
