// Secrets on disk: durable logs, atomic writes and the keystore are 0600 in a directory that
// already exists (0755), whatever the umask, including files that replace others.
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { generateIdentity } from '../../src/index.js';
import { writeKeystore } from '../../src/node/cli/keystore.js';
import { DurableLog, writeFileAtomic, writeFileAtomicSync } from '../../src/node/index.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function openDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'xlink-modes-'));
  dirs.push(root);
  const dir = join(root, 'data');
  mkdirSync(dir);
  chmodSync(dir, 0o755);
  return dir;
}
const modeOf = (p: string) => (statSync(p).mode & 0o777).toString(8);

it('a durable log is 0600 when created, after compaction, and when it was 0644 before', async () => {
  const dir = openDir();
  const path = join(dir, 'log.jsonl');
  const o = await DurableLog.open(path);
  if (!o.ok) throw new Error(o.error.message);
  expect(modeOf(path)).toBe('600');
  expect((await o.value.log.append({ secret: 'k' })).ok).toBe(true);
  expect((await o.value.log.rewrite(() => [{ secret: 'k2' }])).ok).toBe(true);
  expect(modeOf(path)).toBe('600');
  await o.value.log.close();
  chmodSync(path, 0o644); // written by an older version
  const r = await DurableLog.open(path);
  if (!r.ok) throw new Error(r.error.message);
  expect(r.value.records).toEqual([{ secret: 'k2' }]);
  expect(modeOf(path)).toBe('600');
  await r.value.log.close();
  const pub = await DurableLog.open(join(dir, 'public.jsonl'), { mode: 0o644 });
  if (!pub.ok) throw new Error(pub.error.message);
  expect(modeOf(join(dir, 'public.jsonl'))).toBe('644');
  await pub.value.log.close();
});

it('writeFileAtomic replaces a 0644 file with a 0600 one and leaves no temporary file', async () => {
  const dir = openDir();
  const path = join(dir, 'token');
  writeFileSync(path, 'old', { mode: 0o644 });
  await writeFileAtomic(path, 'new');
  expect([readFileSync(path, 'utf8'), modeOf(path)]).toEqual(['new', '600']);
  writeFileAtomicSync(path, new Uint8Array([1, 2]), { mode: 0o640 });
  expect([readFileSync(path).length, modeOf(path)]).toEqual([2, '640']);
  await expect(writeFileAtomic(join(dir, 'missing', 'x'), 'y')).rejects.toThrow(/ENOENT/);
  async function* failing() {
    yield new Uint8Array([1]);
    throw new Error('source broke');
  }
  await expect(writeFileAtomic(path, failing())).rejects.toThrow('source broke');
  expect(readFileSync(path).length).toBe(2); // unchanged
  expect(readdirSync(dir)).toEqual(['token']);
});

it('the keystore is 0600 even when it replaces a 0644 file (force)', () => {
  const dir = openDir();
  const path = join(dir, 'keystore.json');
  writeFileSync(path, '{}', { mode: 0o644 });
  const id = generateIdentity();
  if (!id.ok) throw new Error('identity');
  expect(writeKeystore(path, id.value, 'svc', true).ok).toBe(true);
  expect(modeOf(path)).toBe('600');
  expect(JSON.parse(readFileSync(path, 'utf8')).did).toBe(id.value.did);
});
