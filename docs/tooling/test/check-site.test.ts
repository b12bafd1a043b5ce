/**
 * The docs-site check (docs/tooling/check-site.mjs) run as CI runs it (`pnpm docs:check`): a
 * separate `node` process driving real headless Chromium over a fixture site on disk. The clean
 * fixture must pass and each planted fault must be reported by page and kind with exit status 1,
 * so the check cannot pass vacuously.
 *
 * Needs Chromium (/usr/bin/chromium or CHROMIUM_PATH). Under CI=true a missing Chromium fails
 * the suite (.ci/run installs it before the tests); elsewhere the suite is skipped, saying why.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const script = join(dirname(fileURLToPath(import.meta.url)), '..', 'check-site.mjs');
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(chromium);
const roots: string[] = [];

const html = (title: string, body: string, css = 'style.css') =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>` +
  `<link rel="stylesheet" href="${css}"></head><body>${body}</body></html>\n`;

/** The clean site: two pages linking to each other, by path, by fragment and by public URL. */
const CLEAN: Record<string, string> = {
  'index.html': html(
    'Home',
    '<h1 id="top-heading">Home</h1><a href="guide/b.html">b</a> <a href="guide/b.html#sec">b#sec</a>' +
      ' <a href="#top-heading">self</a> <a href="https://docs.xorida.dev/guide/b.html#sec">public</a>' +
      ' <a href="https://example.invalid/never-fetched">external</a> <a href="guide/">dir</a>',
  ),
  'guide/b.html': html(
    'B',
    '<h2 id="sec">Section</h2><a name="legacy"></a>' +
      '<a href="../index.html#top-heading">home</a> <a href="b.html#legacy">legacy anchor</a>',
    '../style.css',
  ),
  'guide/index.html': html('Guide', '<a href="b.html">b</a>', '../style.css'),
  'style.css': 'body { margin: 0 }\n',
};

/** One page per planted fault; the check visits every .html file, linked or not. */
const FAULTS: Record<string, string> = {
  'broken-link.html': html('Broken link', '<a href="guide/missing.html">gone</a>'),
  'missing-anchor.html': html('Missing anchor', '<a href="guide/b.html#nowhere">no such id</a>'),
  'public-broken.html': html('Public', '<a href="https://docs.xorida.dev/nope.html">gone</a>'),
  'console-error.html': html('Console', '<script>console.error("planted console error")</script>'),
  'page-error.html': html('Throws', '<script>throw new Error("planted page error")</script>'),
  'missing-resource.html': html('Image', '<img src="missing.png" alt="">'),
};

function site(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'check-site-'));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

function run(dir: string): Promise<{ status: number | null; out: string }> {
  return new Promise((ok) => {
    const child = spawn(process.execPath, [script, '--site', dir]);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (status) => ok({ status, out }));
  });
}

afterAll(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

describe('check-site: chromium', () => {
  it.runIf(process.env.CI === 'true')('finds Chromium under CI', () => {
    expect(haveChromium, `no Chromium at ${chromium}; .ci/run installs it before the tests`).toBe(
      true,
    );
  });
});

describe.skipIf(!haveChromium)(`check-site in headless Chromium (needs ${chromium})`, () => {
  it('passes the clean fixture site', { timeout: 120_000 }, async () => {
    const r = await run(site(CLEAN));
    expect(r.out).toMatch(/docs check: ok, 3 pages, \d+ links, 0 problems/);
    expect(r.status).toBe(0);
  });

  it('reports each planted fault by page and exits 1', { timeout: 120_000 }, async () => {
    const r = await run(site({ ...CLEAN, ...FAULTS }));
    expect(r.status).toBe(1);
    expect(r.out).toContain('broken-link.html: broken link /guide/missing.html: no such page');
    expect(r.out).toContain(
      'missing-anchor.html: broken link /guide/b.html#nowhere: no element with id "nowhere"',
    );
    expect(r.out).toContain(
      'public-broken.html: broken link https://docs.xorida.dev/nope.html: no such page',
    );
    expect(r.out).toContain('console-error.html: console error: planted console error');
    expect(r.out).toContain('page-error.html: page error: planted page error');
    expect(r.out).toContain('missing-resource.html: request /missing.png: HTTP 404');
    // The clean pages stay clean next to the faulty ones: six faulty pages, nothing else.
    const pages = new Set(
      [...r.out.matchAll(/^ {2}([\w/-]+\.html): /gm)].map((m) => m[1] as string),
    );
    expect([...pages].sort()).toEqual(Object.keys(FAULTS).sort());
    expect(r.out).toMatch(/docs check FAILED: 9 pages, \d+ links, \d+ problems/);
  });

  it('exits 2 on a directory without pages', { timeout: 60_000 }, async () => {
    const r = await run(site({ 'notes.txt': 'no html here\n' }));
    expect(r.status).toBe(2);
    expect(r.out).toContain('no .html pages under');
  });
});
