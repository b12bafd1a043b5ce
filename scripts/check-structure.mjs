#!/usr/bin/env node
/**
 * Structural rules of docs/architecture.md ("Rules"), checked mechanically:
 *  1. no import cycle inside a package: the graph of relative imports between a package's own
 *     files (src, test, anything but node_modules/dist) has no strongly connected component;
 *  2. no non-test source file over MAX_LINES lines under `packages/<pkg>/src`.
 *
 * What counts as an import edge (a choice, so it is written down): every relative import or
 * re-export that survives compilation — static `import`/`export ... from`, side-effect
 * `import './x.js'`, dynamic `import()` and `require()`. Type-only imports (`import type`,
 * `export type ... from`, or a clause whose every name is marked `type`) are NOT edges: the
 * compiler erases them, so they cannot create a runtime cycle or an initialization-order bug,
 * and an interface module that both sides of a boundary name is the intended way to break a
 * cycle. Bare specifiers (`xorida`, `#crypto`,
 * `node:*`) are not edges either: cross-package layering is check-imports.mjs's job.
 *
 * Usage: `node scripts/check-structure.mjs [--root DIR]` (default: the repository root).
 * Exits 1 with one line per violation; prints `check-structure: ok` otherwise.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Longest non-test source file allowed, lines. */
export const MAX_LINES = 400;

/**
 * Files exempt from the size rule, as repository-relative paths with `/` separators. Empty:
 * every source file fits. An entry is a debt to pay off, so add one only with the reason beside it.
 */
export const OVERSIZE_ALLOWED = new Set([]);

/**
 * Cycles exempt from the cycle rule (files joined by ' -> ', sorted, repository-relative).
 * Empty: no package has a value-import cycle. An entry is a debt to pay off, so add one only
 * with the reason beside it.
 */
export const CYCLES_ALLOWED = new Set([]);

const SOURCE = /\.(m|c)?[jt]sx?$/;
const TEST = /(\.|\/)(test|spec)\.(m|c)?[jt]sx?$|\.d\.ts$/;
// Group 1: the clause between `import`/`export` and `from` (absent for `import './x.js'`);
// group 2: its specifier; groups 3 and 4: dynamic import() and require().
const IMPORT_RE =
  /(?:^|[;\s])(?:import|export)\s+(?:([^'";]*?)\s*from\s*)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;

/** True when an import/export clause only names types (erased by the compiler). */
function typeOnly(clause) {
  if (clause === undefined) return false;
  const c = clause.trim();
  if (/^type\s/.test(c)) return true;
  const braces = /^\{([^}]*)\}$/.exec(c);
  if (!braces) return false;
  const names = braces[1]
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  return names.length > 0 && names.every((n) => /^type\s/.test(n));
}

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else if (SOURCE.test(name)) yield p;
  }
}

/** Drops comments so an `import` in a docstring example is not an edge. */
function stripComments(src) {
  return src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/**
 * Resolves a relative specifier the way TypeScript's NodeNext/bundler resolution does for
 * this repository: `./x.js` may name `x.ts`, `./x` may name `x.ts` or `x/index.ts`.
 * @returns the absolute file path, or undefined when nothing on disk matches
 */
function resolveRelative(fromFile, spec) {
  const base = resolve(dirname(fromFile), spec);
  const stem = base.replace(/\.(m|c)?jsx?$/, '');
  const candidates = [
    base,
    `${stem}.ts`,
    `${stem}.tsx`,
    `${stem}.mts`,
    `${stem}.cts`,
    `${stem}.js`,
    `${stem}.mjs`,
    join(base, 'index.ts'),
    join(base, 'index.js'),
  ];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

/**
 * Relative-import graph of the files under `dir`.
 * @param dir a package directory
 * @returns Map from absolute file path to the set of absolute paths it imports
 */
export function importGraph(dir) {
  const graph = new Map();
  for (const file of walk(dir)) {
    const edges = new Set();
    const src = stripComments(readFileSync(file, 'utf8'));
    for (const m of src.matchAll(IMPORT_RE)) {
      if (typeOnly(m[1])) continue;
      const spec = m[2] ?? m[3] ?? m[4];
      if (!spec.startsWith('.')) continue;
      const target = resolveRelative(file, spec);
      if (target?.startsWith(dir + sep)) edges.add(target);
    }
    graph.set(file, edges);
  }
  return graph;
}

/**
 * Import cycles of a graph (Tarjan's strongly connected components, iterative).
 * @param graph from {@link importGraph}
 * @returns every component with more than one file, or a file importing itself; each sorted
 */
export function findCycles(graph) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const out = [];
  for (const start of graph.keys()) {
    if (idx.has(start)) continue;
    const work = [[start, [...(graph.get(start) ?? [])], 0]];
    idx.set(start, index);
    low.set(start, index++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const [v, next] = frame;
      if (frame[2] < next.length) {
        const w = next[frame[2]++];
        if (!graph.has(w)) continue;
        if (!idx.has(w)) {
          idx.set(w, index);
          low.set(w, index++);
          stack.push(w);
          onStack.add(w);
          work.push([w, [...graph.get(w)], 0]);
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent), low.get(v)));
      }
      if (low.get(v) === idx.get(v)) {
        const comp = [];
        let w;
        do {
          w = stack.pop();
          onStack.delete(w);
          comp.push(w);
        } while (w !== v);
        if (comp.length > 1 || graph.get(v)?.has(v)) out.push(comp.sort());
      }
    }
  }
  return out;
}

/**
 * Non-test source files over {@link MAX_LINES} lines under `<pkg>/src`.
 * @param pkgDir a package directory
 * @returns `{ file, lines }` for each (absolute paths)
 */
export function findOversized(pkgDir, maxLines = MAX_LINES) {
  const src = join(pkgDir, 'src');
  if (!existsSync(src)) return [];
  const out = [];
  for (const file of walk(src)) {
    if (TEST.test(file.split(sep).join('/'))) continue;
    const text = readFileSync(file, 'utf8');
    const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    if (lines > maxLines) out.push({ file, lines });
  }
  return out;
}

/**
 * Runs both rules over `<root>/packages/*`.
 * @param root repository (or fixture) root
 * @param allowed repository-relative paths exempt from the size rule
 * @param cyclesAllowed cycles (as printed) exempt from the cycle rule
 * @returns one human-readable line per violation
 */
export function checkStructure(root, allowed = OVERSIZE_ALLOWED, cyclesAllowed = CYCLES_ALLOWED) {
  const problems = [];
  const packages = join(root, 'packages');
  if (!existsSync(packages)) return problems;
  for (const name of readdirSync(packages).sort()) {
    const dir = join(packages, name);
    if (!statSync(dir).isDirectory()) continue;
    const rel = (f) => relative(root, f).split(sep).join('/');
    for (const cycle of findCycles(importGraph(dir)))
      if (!cyclesAllowed.has(cycle.map(rel).join(' -> ')))
        problems.push(`import cycle in packages/${name}: ${cycle.map(rel).join(' -> ')}`);
    for (const { file, lines } of findOversized(dir))
      if (!allowed.has(rel(file)))
        problems.push(`${rel(file)}: ${lines} lines (limit ${MAX_LINES}); split it by concern`);
  }
  return problems;
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const at = process.argv.indexOf('--root');
  const root =
    at > 0 ? resolve(process.argv[at + 1]) : resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const problems = checkStructure(root);
  if (problems.length > 0) {
    console.error(`check-structure: ${problems.length} problem(s)`);
    for (const p of problems) console.error(`  ${p}`);
    process.exit(1);
  }
  console.log('check-structure: ok');
}
