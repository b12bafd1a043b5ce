#!/usr/bin/env node
// Opens every page of the built docs site in headless Chromium and fails on what a reader would
// hit: a broken internal link (a target file that does not exist, or a `#fragment` with no
// element of that id — or `<a name>` — on the target page), a console error, an uncaught page
// error, or a failed or non-2xx/3xx request for a same-origin resource. The site is served from
// disk on 127.0.0.1 (node:http, port 0). Links to https://docs.xorida.dev/<path> (SITE_ORIGIN,
// where the site is hosted) are checked against the local copy; other hosts are never fetched,
// and a page that requests anything from another host is reported too (the site is built to
// need no network).
// Usage: node docs/tooling/check-site.mjs [--site DIR] (default docs/site). Exit 0 when clean,
// 1 with one line per problem, 2 when the site is missing or Chromium cannot start.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../../runtimes/chromium.mjs';
import { SITE_ORIGIN } from './markdown.mjs';

const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
/** Tabs open at once: enough to overlap page loads without starving a 2-core CI machine. */
const CONCURRENCY = 4;
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.md': 'text/markdown; charset=utf-8',
  '.png': 'image/png',
};

/** Every .html file under `dir`, as site paths with `/` separators. */
function htmlFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.html')) out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/** The file a URL path names inside `site` (a directory means its index.html), or null. */
function fileFor(site, urlPath) {
  let p;
  try {
    p = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  const file = resolve(site, `.${p}`);
  if (file !== site && !file.startsWith(site + sep)) return null;
  if (!existsSync(file)) return null;
  if (statSync(file).isDirectory()) {
    const index = join(file, 'index.html');
    return existsSync(index) ? index : null;
  }
  return file;
}

function serve(site) {
  const server = createServer((req, res) => {
    const file = fileFor(site, new URL(req.url, 'http://x').pathname);
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

/**
 * Visits one page; records its problems, its links and the ids on it.
 * @returns {Promise<{ links: string[], ids: string[] }>}
 */
async function visit(browser, origin, path, problem) {
  const tab = await browser.newPage();
  const say = (what) => problem(path, what);
  tab.on('console', (m) => {
    if (m.type() === 'error') say(`console error: ${m.text()}`);
  });
  tab.on('pageerror', (e) => say(`page error: ${e.message}`));
  tab.on('requestfailed', (r) => {
    if (r.url().startsWith(origin)) say(`request failed: ${r.url()} (${r.failure()?.errorText})`);
  });
  tab.on('response', (r) => {
    if (r.url().startsWith(origin) && r.status() >= 400) {
      say(`request ${r.url().slice(origin.length)}: HTTP ${r.status()}`);
    }
  });
  await tab.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:')) return route.continue();
    say(`requests an external resource: ${url}`);
    return route.abort('blockedbyclient');
  });
  try {
    await tab.goto(`${origin}/${path}`, { waitUntil: 'load', timeout: 60_000 });
    // Scripts (the API reference's navigation) may add links and ids just after load.
    await tab.waitForLoadState('networkidle', { timeout: 10_000 }).catch(() => {});
    return await tab.evaluate(() => ({
      links: [...document.querySelectorAll('a[href]')].map((a) => a.href),
      ids: [
        ...[...document.querySelectorAll('[id]')].map((e) => e.id),
        ...[...document.querySelectorAll('a[name]')].map((e) => e.getAttribute('name')),
      ],
    }));
  } catch (e) {
    say(`could not load: ${e.message.split('\n')[0]}`);
    return { links: [], ids: [] };
  } finally {
    await tab.close();
  }
}

/**
 * Checks a built site in headless Chromium.
 * @param {{ site?: string, log?: (line: string) => void }} [opts] site: directory (default
 *   docs/site); log: progress lines (default none)
 * @returns {Promise<{ pages: number, links: number, problems: string[] }>} problems as
 *   `<page>: <what>` lines, sorted; empty when the site is clean
 * @throws Error when the directory holds no .html page or Chromium cannot start
 */
export async function checkSite(opts = {}) {
  const site = resolve(opts.site ?? join(ROOT, 'docs/site'));
  const pages = existsSync(site) ? htmlFiles(site) : [];
  if (pages.length === 0) throw new Error(`no .html pages under ${site} (run pnpm run docs)`);
  const problems = new Set();
  const problem = (page, what) => problems.add(`${page}: ${what}`);
  const server = await serve(site);
  const origin = `http://127.0.0.1:${server.address().port}`;
  let browser;
  try {
    browser = await launchChromium();
    const seen = new Map();
    const queue = [...pages];
    const worker = async () => {
      for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
        seen.set(p, await visit(browser, origin, p, problem));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    opts.log?.(`visited ${pages.length} pages`);
    const ids = new Map([...seen].map(([p, r]) => [p, new Set(r.ids)]));
    let links = 0;
    for (const [page, r] of seen) {
      for (const href of new Set(r.links)) {
        const what = linkProblem(site, origin, href, ids);
        links++;
        if (what) problem(page, what);
      }
    }
    return { pages: pages.length, links, problems: [...problems].sort() };
  } finally {
    await browser?.close();
    server.close();
  }
}

/**
 * Why an `<a href>` (as resolved by the browser) is broken, or null when it is fine or external.
 * @param {Map<string, Set<string>>} ids site path of each visited page → its ids
 */
function linkProblem(site, origin, href, ids) {
  let local;
  if (href.startsWith(`${origin}/`)) local = href.slice(origin.length);
  else if (href.startsWith(SITE_ORIGIN)) local = `/${href.slice(SITE_ORIGIN.length)}`;
  else return null;
  const url = new URL(local, 'http://x');
  const file = fileFor(site, url.pathname);
  const shown = href.startsWith(SITE_ORIGIN) ? href : local;
  if (!file) return `broken link ${shown}: no such page`;
  const frag = url.hash.slice(1);
  if (frag === '' || frag === 'top' || !file.endsWith('.html')) return null;
  let id;
  try {
    id = decodeURIComponent(frag);
  } catch {
    return `broken link ${shown}: malformed fragment`;
  }
  const onTarget = ids.get(relative(site, file).split(sep).join('/'));
  if (onTarget && !onTarget.has(id)) return `broken link ${shown}: no element with id "${id}"`;
  return null;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const siteArg = args.indexOf('--site');
  const t0 = Date.now();
  let r;
  try {
    r = await checkSite({ site: siteArg >= 0 ? args[siteArg + 1] : undefined });
  } catch (e) {
    console.error(`docs check: ${e.message}`);
    process.exit(2);
  }
  for (const p of r.problems) console.error(`  ${p}`);
  const summary = `${r.pages} pages, ${r.links} links, ${r.problems.length} problems`;
  if (r.problems.length > 0) {
    console.error(`docs check FAILED: ${summary}`);
    process.exit(1);
  }
  console.log(`docs check: ok, ${summary} (${Date.now() - t0} ms)`);
}
