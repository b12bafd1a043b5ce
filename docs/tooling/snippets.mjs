#!/usr/bin/env node
// Code blocks in the docs are either complete programs or marked as not runnable:
//   ```ts / ```js   a complete program: extracted, type-stripped (esbuild) and run with node
//                   against the BUILT workspace packages, in its own temporary directory;
//                   it passes when it exits 0 within the timeout
//   ```sh ```text ```json ```http   shell commands, output, data: never run
// Any other info string (including none) is an error, so a fragment cannot slip in unmarked.
// Usage: node docs/tooling/snippets.mjs [--list] [file.md ...]   (default: every site page)
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import MarkdownIt from 'markdown-it';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
/** Info strings of blocks that run. */
export const RUN_LANGS = new Set(['ts', 'js']);
/** Info strings of blocks that are shown only (commands, output, data). */
export const SHOW_LANGS = new Set(['sh', 'text', 'json', 'http']);
/** Longest a snippet may run, ms. */
export const SNIPPET_TIMEOUT_MS = 60_000;

/**
 * Every fenced code block of a markdown text.
 * @param {string} markdown
 * @param {string} file path reported in results (repository-relative)
 * @returns {{ file: string, line: number, lang: string, code: string, kind: 'run'|'show'|'unmarked' }[]}
 *   `line` is 1-based (the fence line)
 */
export function extractBlocks(markdown, file) {
  const tokens = new MarkdownIt().parse(markdown, {});
  return tokens
    .filter((t) => t.type === 'fence' || t.type === 'code_block')
    .map((t) => {
      const lang = t.type === 'fence' ? t.info.trim().split(/\s+/)[0] : '';
      // An indented block has no info string; the scheme spec uses them for formulas: shown.
      const show = t.type === 'code_block' || SHOW_LANGS.has(lang);
      const kind = RUN_LANGS.has(lang) ? 'run' : show ? 'show' : 'unmarked';
      return { file, line: (t.map?.[0] ?? 0) + 1, lang, code: t.content, kind };
    });
}

function runOne(script, cwd, timeoutMs) {
  return new Promise((done) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [script], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, output, ms: Date.now() - t0 });
    });
  });
}

/**
 * Runs the runnable blocks of `files` and checks that every block is marked.
 * @param {string[]} files markdown paths (absolute or relative to the repository root)
 * @param {{ timeoutMs?: number, concurrency?: number, workDir?: string }} [opts] workDir must lie
 *   where node resolves the workspace packages (default docs/.tmp/snippets)
 * @returns {Promise<{ ran: number, shown: number, failures: { file: string, line: number, why: string }[] }>}
 */
export async function runSnippets(files, opts = {}) {
  const { transformSync } = await import('esbuild');
  const workDir = opts.workDir ?? join(ROOT, 'docs/.tmp/snippets');
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const failures = [];
  const jobs = [];
  let shown = 0;
  for (const f of files) {
    const abs = resolve(ROOT, f);
    const rel = relative(ROOT, abs);
    for (const b of extractBlocks(readFileSync(abs, 'utf8'), rel)) {
      if (b.kind === 'show') shown++;
      else if (b.kind === 'unmarked')
        failures.push({
          file: rel,
          line: b.line,
          why: `code block marked '${b.lang}': use ts/js (a complete program) or sh/text/json/http`,
        });
      else jobs.push(b);
    }
  }
  const run = async (b) => {
    let js;
    try {
      js = transformSync(b.code, { loader: 'ts', format: 'esm', target: 'node20' }).code;
    } catch (e) {
      failures.push({ file: b.file, line: b.line, why: `does not compile: ${e.message}` });
      return;
    }
    const name = `${b.file.replace(/[^a-z0-9]+/gi, '-')}-L${b.line}.mjs`;
    const script = join(workDir, name);
    writeFileSync(script, js);
    const cwd = mkdtempSync(join(tmpdir(), 'xorida-snippet-'));
    const r = await runOne(script, cwd, opts.timeoutMs ?? SNIPPET_TIMEOUT_MS);
    rmSync(cwd, { recursive: true, force: true });
    const label = `${b.file}:${b.line}`;
    if (r.code === 0) console.log(`  ok   ${label} (${r.ms} ms)`);
    else {
      const why = r.signal ? `killed (${r.signal}) after ${r.ms} ms` : `exit ${r.code}`;
      console.log(`  FAIL ${label}: ${why}\n${r.output.trimEnd().replace(/^/gm, '       ')}`);
      failures.push({ file: b.file, line: b.line, why });
    }
  };
  const queue = [...jobs];
  const workers = Array.from(
    { length: opts.concurrency ?? Math.min(4, availableParallelism()) },
    async () => {
      for (let b = queue.shift(); b; b = queue.shift()) await run(b);
    },
  );
  await Promise.all(workers);
  return { ran: jobs.length, shown, failures };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const { SNIPPET_SOURCES } = await import('./build-site.mjs');
  const files = args.length > 0 ? args : SNIPPET_SOURCES;
  if (process.argv.includes('--list')) {
    for (const f of files)
      for (const b of extractBlocks(readFileSync(resolve(ROOT, f), 'utf8'), f))
        console.log(`${b.kind.padEnd(8)} ${b.lang.padEnd(5)} ${b.file}:${b.line}`);
    process.exit(0);
  }
  const t0 = Date.now();
  const r = await runSnippets(files);
  for (const f of r.failures.filter((x) => !/^(exit|killed)/.test(x.why)))
    console.log(`  FAIL ${f.file}:${f.line}: ${f.why}`);
  console.log(
    `snippets: ${r.ran} run, ${r.shown} shown only, ${r.failures.length} failing (${Date.now() - t0} ms)`,
  );
  process.exit(r.failures.length === 0 ? 0 : 1);
}
