#!/usr/bin/env node
/**
 * Mechanical layering check (docs/architecture.md "Rules"):
 *  1. packages import each other only through public entry points (`xorida`, `@xorida/x`,
 *     `@xorida/x/node`), never `xorida/src/...`, `.../dist/...` or a relative path into another
 *     package;
 *  2. dependencies point down the layer picture only (no cycles, no upward imports);
 *  3. every imported workspace package is declared in the importer's package.json.
 * A test file (under a package's test/) may also import a lower-layer package that its package
 * declares as a devDependency (e.g. xghost's server-kit table starts the modelguard node).
 * Exits 1 with one line per violation.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const LAYER = {
  xorida: 0,
  '@xorida/agent-sdk': 1,
  '@xorida/modelguard': 2,
  '@xorida/xpass': 2,
  '@xorida/xghost': 3,
};
const ALLOWED = {
  xorida: [],
  '@xorida/agent-sdk': ['xorida'],
  '@xorida/modelguard': ['xorida', '@xorida/agent-sdk'],
  '@xorida/xpass': ['xorida', '@xorida/agent-sdk'],
  '@xorida/xghost': ['xorida', '@xorida/agent-sdk', '@xorida/xpass'],
};
const ENTRY = /^(xorida|@xorida\/[a-z-]+)(\/.*)?$/;
const PUBLIC_SUBPATHS = new Set(['', '/node', '/crypto', '/package.json', '/testing']);

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else if (/\.(m|c)?[jt]sx?$/.test(name)) yield p;
  }
}

const problems = [];
const scanRoots = ['packages', 'benchmarks', 'examples'].map((d) => join(root, d));
const pkgDirs = readdirSync(join(root, 'packages')).map((d) => join(root, 'packages', d));
const ownerOf = (file) => pkgDirs.find((d) => file.startsWith(d + sep));
const importRe =
  /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;

for (const scanRoot of scanRoots) {
  let files;
  try {
    files = [...walk(scanRoot)];
  } catch {
    continue;
  }
  for (const file of files) {
    const src = readFileSync(file, 'utf8');
    const owner = ownerOf(file);
    const ownerPkg = owner
      ? JSON.parse(readFileSync(join(owner, 'package.json'), 'utf8'))
      : undefined;
    for (const m of src.matchAll(importRe)) {
      const spec = m[1] ?? m[2] ?? m[3];
      const where = relative(root, file);
      if (spec.startsWith('.')) {
        const target = resolve(file, '..', spec);
        const targetOwner = ownerOf(target);
        if (owner && targetOwner && targetOwner !== owner)
          problems.push(`${where}: relative import '${spec}' reaches into another package`);
        if (!owner && targetOwner)
          problems.push(
            `${where}: relative import '${spec}' reaches into a package; import it by name`,
          );
        continue;
      }
      const e = ENTRY.exec(spec);
      if (!e) continue;
      const [, name, sub = ''] = e;
      if (!(name in LAYER)) continue;
      if (!PUBLIC_SUBPATHS.has(sub))
        problems.push(`${where}: '${spec}' is not a public entry point of ${name}`);
      if (ownerPkg && ownerPkg.name !== name) {
        const testOnly =
          file.includes(`${sep}test${sep}`) &&
          name in (ownerPkg.devDependencies ?? {}) &&
          LAYER[name] < LAYER[ownerPkg.name];
        if (!ALLOWED[ownerPkg.name]?.includes(name) && !testOnly)
          problems.push(`${where}: ${ownerPkg.name} may not depend on ${name} (layering)`);
        const declared = {
          ...ownerPkg.dependencies,
          ...ownerPkg.peerDependencies,
          ...ownerPkg.devDependencies,
        };
        if (!(name in declared))
          problems.push(
            `${where}: ${name} is imported but not declared in ${ownerPkg.name}/package.json`,
          );
      }
    }
  }
}
if (problems.length > 0) {
  console.error(`check-imports: ${problems.length} problem(s)`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log('check-imports: ok');
