/**
 * The structure lint (scripts/check-structure.mjs) run as `pnpm lint` runs it: a separate
 * `node` process over a fixture repository. Each rule must fail on a fixture that breaks it and
 * pass on the same fixture once fixed, so neither rule can pass vacuously.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const script = join(dirname(fileURLToPath(import.meta.url)), '..', 'check-structure.mjs');
const roots: string[] = [];

/** Writes `files` (repository-relative path -> text) into a fresh fixture root. */
function fixture(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'check-structure-'));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

function run(root: string) {
  const r = spawnSync(process.execPath, [script, '--root', root], { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const lines = (n: number) => Array.from({ length: n }, (_, i) => `export const v${i} = ${i};`);

afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

describe('check-structure: import cycles', () => {
  it('fails on a value-import cycle of three files and names every file', () => {
    const root = fixture({
      'packages/p/src/a.ts': "import { b } from './b.js';\nexport const a = b;\n",
      'packages/p/src/b.ts': "import { c } from './sub/c.js';\nexport const b = c;\n",
      'packages/p/src/sub/c.ts': "export { a as c } from '../a.js';\n",
    });
    const r = run(root);
    expect(r.status).toBe(1);
    expect(r.out).toContain('import cycle in packages/p');
    for (const f of ['src/a.ts', 'src/b.ts', 'src/sub/c.ts']) expect(r.out).toContain(f);
  });

  it('fails on a cycle through a dynamic import and an extensionless index import', () => {
    const root = fixture({
      'packages/p/src/a.ts': "export const load = () => import('./dir');\n",
      'packages/p/src/dir/index.ts': "import { load } from '../a.js';\nexport const x = load;\n",
    });
    const r = run(root);
    expect(r.status).toBe(1);
    expect(r.out).toContain('src/dir/index.ts');
  });

  it('passes when the back edge is type-only (erased, no runtime cycle)', () => {
    const root = fixture({
      'packages/p/src/a.ts': "import { b } from './b.js';\nexport interface A { n: number }\n",
      'packages/p/src/b.ts':
        "import type { A } from './a.js';\nimport { type A as A2 } from './a.js';\nexport const b = (x: A, y: A2) => x.n + y.n;\n",
    });
    const r = run(root);
    expect(r.out).toContain('check-structure: ok');
    expect(r.status).toBe(0);
  });

  it('ignores imports inside comments and across packages', () => {
    const root = fixture({
      'packages/p/src/a.ts': "/** import { b } from './b.js'; */\nexport const a = 1;\n",
      'packages/p/src/b.ts': "import { a } from './a.js';\nexport const b = a;\n",
      'packages/q/src/c.ts': "import { a } from '../../p/src/a.js';\nexport const c = a;\n",
    });
    expect(run(root).status).toBe(0);
  });
});

describe('check-structure: file size', () => {
  it('fails on a 401-line source file and passes at 400 lines', () => {
    const big = fixture({ 'packages/p/src/deep/big.ts': `${lines(401).join('\n')}\n` });
    const r = run(big);
    expect(r.status).toBe(1);
    expect(r.out).toContain('packages/p/src/deep/big.ts: 401 lines (limit 400)');
    const edge = fixture({ 'packages/p/src/deep/big.ts': `${lines(400).join('\n')}\n` });
    expect(run(edge).status).toBe(0);
  });

  it('does not count test files or files outside src', () => {
    const root = fixture({
      'packages/p/src/x.test.ts': lines(500).join('\n'),
      'packages/p/test/suite.ts': lines(500).join('\n'),
    });
    expect(run(root).status).toBe(0);
  });
});

describe('check-structure: this repository', () => {
  it('passes with both exemption lists empty', async () => {
    const { CYCLES_ALLOWED, OVERSIZE_ALLOWED } = await import('../check-structure.mjs');
    expect([...OVERSIZE_ALLOWED]).toEqual([]);
    expect([...CYCLES_ALLOWED]).toEqual([]);
    const r = run(join(dirname(script), '..'));
    expect(r.out).toContain('check-structure: ok');
    expect(r.status).toBe(0);
  });
});
