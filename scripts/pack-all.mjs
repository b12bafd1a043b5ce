// `pnpm pack:all`: packs every published package under packages/ into one folder and prints the
// single `npm install` line that installs them all together.
//
// Why together: until the packages are on the npm registry, each tarball's dependencies on its
// siblings (`workspace:*`, rewritten by `pnpm pack` to the sibling's version) can only be satisfied
// by installing the sibling tarballs in the same `npm install`.
//
// Usage: node scripts/pack-all.mjs [--out <dir>]   (default: .tmp/packs). Run `pnpm build` first.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Every non-private package under `packages/`, in directory order.
 * @returns {{ dir: string, pkg: Record<string, any> }[]}
 */
export function publishedPackages() {
  return readdirSync(join(root, 'packages'))
    .map((d) => join(root, 'packages', d))
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
    .filter(({ pkg }) => !pkg.private);
}

/**
 * Packs every published package with `pnpm pack` into `dest`.
 * @param {string} dest folder for the tarballs (created; earlier tarballs of ours are replaced)
 * @returns {{ name: string, tgz: string }[]} absolute tarball paths, one per package
 * @throws Error naming the package whose `pnpm pack` failed, or whose dist/ is missing
 */
export function packAll(dest) {
  mkdirSync(dest, { recursive: true });
  const tarballs = [];
  for (const { dir, pkg } of publishedPackages()) {
    if (!existsSync(join(dir, 'dist')))
      throw new Error(`${pkg.name}: no dist/ — run \`pnpm build\` first`);
    const out = spawnSync('pnpm', ['pack', '--pack-destination', dest], {
      cwd: dir,
      encoding: 'utf8',
    });
    const tgz = (out.stdout ?? '').trim().split('\n').pop() ?? '';
    if (out.status !== 0 || !tgz.endsWith('.tgz'))
      throw new Error(`${pkg.name}: pnpm pack failed\n${out.stdout}${out.stderr}`);
    tarballs.push({ name: pkg.name, tgz: resolve(dest, tgz) });
  }
  return tarballs;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--out');
  const dest = resolve(i > 0 ? process.argv[i + 1] : join(root, '.tmp', 'packs'));
  if (existsSync(dest))
    for (const f of readdirSync(dest)) if (f.endsWith('.tgz')) rmSync(join(dest, f));
  try {
    const tarballs = packAll(dest);
    console.log(`packed ${tarballs.length} packages into ${dest}`);
    console.log('install them all, in your project:');
    console.log(`  npm install ${tarballs.map((t) => t.tgz).join(' ')}`);
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
