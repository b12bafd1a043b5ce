// Markdown → HTML for the docs site: markdown-it (CommonMark + GFM tables) with
// markdown-it-anchor for heading ids. Ids follow GitHub's slug rule, so an anchor that works on
// github.com (README links such as `formats.md#xpass`) works on the site too. Repository links
// are rewritten: a link to a file the site renders becomes a relative site link, any other
// repository file becomes its absolute GitHub URL.
import { posix } from 'node:path';
import MarkdownIt from 'markdown-it';
import anchor from 'markdown-it-anchor';

/** Repository URL of every file (package.json `repository`); README links use it too. */
export const REPO_BLOB = 'https://github.com/xorida/xorida/blob/main/';
/** Public origin of the built site; error `docs` URLs point here. */
export const SITE_ORIGIN = 'https://docs.xorida.dev/';

/**
 * GitHub's heading slug: lower case, punctuation other than `-` and `_` dropped, each space a `-`.
 * @param {string} text heading text (inline markup already stripped)
 * @returns {string}
 */
export function slugify(text) {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/**
 * Anchor id of an error code on the errors page, e.g. `agent-sdk-payload_too_large`. The packages
 * build their `docs` URLs with the same rule (`<section>-<code in lower case>`).
 * @param {string} section `##` section of docs/errors.md (package name: `agent-sdk`, `xpass`, …)
 * @param {string} code error code, upper snake case
 */
export function errorAnchor(section, code) {
  return `${section}-${code.toLowerCase()}`;
}

/**
 * markdown-it plugin for docs/errors.md: each table row whose first cell starts with a code
 * (`` `CODE` `` or `` `CODE:SUB` ``) gets `id="<section>-<code>"`, the first row per code and
 * section only. Sections are the `##` headings.
 */
function errorAnchors(md) {
  md.core.ruler.push('error_anchors', (state) => {
    if (!state.env.errorAnchors) return;
    const seen = new Set();
    let section = '';
    const tokens = state.tokens;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (t.type === 'heading_open' && t.tag === 'h2') section = slugify(tokens[i + 1].content);
      if (t.type !== 'tr_open' || tokens[i + 1]?.type !== 'td_open') continue;
      const m = /^`([A-Z][A-Z0-9_]+)(?::[A-Z0-9_]+)?`/.exec(tokens[i + 2]?.content ?? '');
      if (!m || !section) continue;
      const id = errorAnchor(section, m[1]);
      if (seen.has(id)) continue;
      seen.add(id);
      t.attrSet('id', id);
      state.env.errorIds.push(id);
    }
  });
}

/**
 * Rewrites link targets. `sitePages` maps a repository path (`docs/formats.md`) to its site path
 * (`formats.html`); `from` is the repository path of the file being rendered and `fromSite` its
 * site path.
 */
function rewriteLinks(md) {
  const base = md.renderer.rules.link_open ?? ((t, i, o, _e, s) => s.renderToken(t, i, o));
  md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
    const t = tokens[idx];
    const href = t.attrGet('href');
    if (href) t.attrSet('href', siteHref(href, env));
    return base(tokens, idx, options, env, self);
  };
}

/**
 * The site href for a link written in a repository markdown file.
 * @param {string} href as written
 * @param {{ from: string, fromSite: string, sitePages: Map<string, string> }} env
 */
export function siteHref(href, env) {
  let repoPath;
  let hash = '';
  if (href.startsWith(REPO_BLOB)) {
    [repoPath, hash = ''] = href.slice(REPO_BLOB.length).split('#');
  } else if (href.startsWith(SITE_ORIGIN)) {
    return posix.relative(posix.dirname(env.fromSite), href.slice(SITE_ORIGIN.length)) || '.';
  } else if (/^[a-z]+:/i.test(href) || href.startsWith('//')) {
    return href;
  } else if (href.startsWith('#')) {
    return href;
  } else {
    const [path, h = ''] = href.split('#');
    repoPath = posix.normalize(posix.join(posix.dirname(env.from), path));
    hash = h;
  }
  const page = env.sitePages.get(repoPath);
  const suffix = hash ? `#${hash}` : '';
  if (page === undefined) return `${REPO_BLOB}${repoPath}${suffix}`;
  const rel = posix.relative(posix.dirname(env.fromSite), page);
  return `${rel}${suffix}`;
}

/** One configured renderer for every page. */
export function createMarkdown() {
  const md = new MarkdownIt({ html: true, linkify: false, typographer: false });
  md.use(anchor, {
    slugify,
    uniqueSlugStartIndex: 1,
    permalink: anchor.permalink.headerLink({ safariReaderFix: true }),
  });
  md.use(errorAnchors);
  md.use(rewriteLinks);
  return md;
}
