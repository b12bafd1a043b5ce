#!/usr/bin/env node
// Builds the static docs site into docs/site/ from the repository's markdown (guides, package
// READMEs, errors, formats, scheme, architecture) plus the TypeDoc API reference (docs/api,
// built first with `pnpm docs:api` when missing). No network, no client-side script.
// Usage: node docs/tooling/build-site.mjs [--out DIR] [--no-api]
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMarkdown } from './markdown.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Site pages in navigation order: repository path → site path, title, nav group. */
export const PAGES = [
  { src: 'docs/index.md', out: 'index.html', title: 'Overview', group: 'Start' },
  {
    src: 'docs/guides/getting-started.md',
    out: 'guides/getting-started.html',
    title: 'Getting started',
    group: 'Guides',
  },
  {
    src: 'docs/guides/two-services-http.md',
    out: 'guides/two-services-http.html',
    title: 'Two services over HTTP',
    group: 'Guides',
  },
  {
    src: 'docs/guides/relay-offline.md',
    out: 'guides/relay-offline.html',
    title: 'Relay and offline delivery',
    group: 'Guides',
  },
  {
    src: 'docs/guides/billing-xpass.md',
    out: 'guides/billing-xpass.html',
    title: 'Billing with xpass',
    group: 'Guides',
  },
  {
    src: 'docs/guides/shipping-xghost.md',
    out: 'guides/shipping-xghost.html',
    title: 'Shipping code with xghost',
    group: 'Guides',
  },
  {
    src: 'docs/guides/modelguard.md',
    out: 'guides/modelguard.html',
    title: 'Protecting a model with modelguard',
    group: 'Guides',
  },
  {
    src: 'docs/guides/threat-models.md',
    out: 'guides/threat-models.html',
    title: 'Threat models',
    group: 'Guides',
  },
  {
    src: 'packages/xorida/README.md',
    out: 'packages/xorida.html',
    title: 'xorida',
    group: 'Packages',
  },
  {
    src: 'packages/agent-sdk/README.md',
    out: 'packages/agent-sdk.html',
    title: '@xorida/agent-sdk',
    group: 'Packages',
  },
  {
    src: 'packages/xpass/README.md',
    out: 'packages/xpass.html',
    title: '@xorida/xpass',
    group: 'Packages',
  },
  {
    src: 'packages/xghost/README.md',
    out: 'packages/xghost.html',
    title: '@xorida/xghost',
    group: 'Packages',
  },
  {
    src: 'packages/modelguard/README.md',
    out: 'packages/modelguard.html',
    title: '@xorida/modelguard',
    group: 'Packages',
  },
  { src: 'docs/errors.md', out: 'errors.html', title: 'Error codes', group: 'Reference' },
  { src: 'docs/formats.md', out: 'formats.html', title: 'Wire formats', group: 'Reference' },
  {
    src: 'docs/xorida-scheme.md',
    out: 'xorida-scheme.html',
    title: 'The xorida scheme',
    group: 'Reference',
  },
  {
    src: 'docs/architecture.md',
    out: 'architecture.html',
    title: 'Architecture',
    group: 'Reference',
  },
  { src: 'README.md', out: 'repository.html', title: 'Repository README', group: 'Reference' },
];

/** Markdown files whose code blocks the snippet runner checks (every page's source). */
export const SNIPPET_SOURCES = PAGES.map((p) => p.src);

const STYLE = `body{margin:0;font:16px/1.55 system-ui,sans-serif;color:#1d2125;display:flex}
nav{width:16rem;flex:none;padding:1rem;background:#f4f5f7;min-height:100vh;box-sizing:border-box}
nav h2{font-size:.8rem;text-transform:uppercase;color:#5e6c84;margin:1.2rem 0 .3rem}
nav a{display:block;padding:.15rem 0;color:#0b4f9c;text-decoration:none}nav a.here{font-weight:700}
main{padding:1rem 2rem;max-width:60rem;overflow-x:auto}
pre{background:#f6f8fa;padding:.8rem;overflow-x:auto;border-radius:4px}code{font-size:.9em}
table{border-collapse:collapse;font-size:.9rem}td,th{border:1px solid #d0d7de;padding:.25rem .5rem;vertical-align:top}
tr:target{background:#fff8c5}h1 a,h2 a,h3 a,h4 a{color:inherit;text-decoration:none}`;

const escapeHtml = (s) =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

function nav(current, withApi) {
  const groups = new Map();
  for (const p of PAGES) {
    const rel = posix.relative(posix.dirname(current), p.out);
    const cls = p.out === current ? ' class="here"' : '';
    const link = `<a href="${rel}"${cls}>${escapeHtml(p.title)}</a>`;
    groups.set(p.group, [...(groups.get(p.group) ?? []), link]);
  }
  if (withApi) {
    const api = posix.relative(posix.dirname(current), 'api/index.html');
    groups.set('Reference', [...groups.get('Reference'), `<a href="${api}">API reference</a>`]);
  }
  return [...groups].map(([g, links]) => `<h2>${g}</h2>${links.join('')}`).join('');
}

function page(p, body, withApi) {
  const css = posix.relative(posix.dirname(p.out), 'style.css');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(p.title)} · xorida docs</title><link rel="stylesheet" href="${css}"></head>
<body><nav>${nav(p.out, withApi)}</nav><main>${body}</main></body></html>\n`;
}

function ensureApi() {
  if (existsSync(join(ROOT, 'docs/api/index.html'))) return true;
  const r = spawnSync('pnpm', ['docs:api'], { cwd: ROOT, stdio: 'inherit' });
  return r.status === 0 && existsSync(join(ROOT, 'docs/api/index.html'));
}

/**
 * Renders every page into `out`.
 * @param {{ out?: string, api?: boolean }} [opts] out: directory (default docs/site); api:
 *   include docs/api (default true; builds it when missing)
 * @returns {{ pages: number, errorIds: string[], out: string }} error anchors of errors.html
 */
export function buildSite(opts = {}) {
  const out = resolve(opts.out ?? join(ROOT, 'docs/site'));
  const withApi = opts.api !== false;
  if (withApi && !ensureApi()) throw new Error('TypeDoc API reference (pnpm docs:api) failed');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const md = createMarkdown();
  const sitePages = new Map(PAGES.map((p) => [p.src, p.out]));
  const errorIds = [];
  for (const p of PAGES) {
    const env = {
      from: p.src,
      fromSite: p.out,
      sitePages,
      errorAnchors: p.src === 'docs/errors.md',
      errorIds,
    };
    const html = md.render(readFileSync(join(ROOT, p.src), 'utf8'), env);
    mkdirSync(dirname(join(out, p.out)), { recursive: true });
    writeFileSync(join(out, p.out), page(p, html, withApi));
  }
  writeFileSync(join(out, 'style.css'), `${STYLE}\n`);
  if (withApi) cpSync(join(ROOT, 'docs/api'), join(out, 'api'), { recursive: true });
  return { pages: PAGES.length, errorIds, out };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const outArg = args.indexOf('--out');
  const t0 = Date.now();
  const r = buildSite({
    out: outArg >= 0 ? args[outArg + 1] : undefined,
    api: !args.includes('--no-api'),
  });
  console.log(
    `docs site: ${r.pages} pages, ${r.errorIds.length} error anchors → ${r.out} (${Date.now() - t0} ms)`,
  );
}
