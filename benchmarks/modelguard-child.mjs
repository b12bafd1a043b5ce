// Child process of modelguard.bench.ts: runs one guard, restore or sha256 pass over a file and
// prints { ms, maxRssMiB, ... } as JSON, so each measurement has its own peak RSS.
import { createHash } from 'node:crypto';
import { createReadStream, writeFileSync } from 'node:fs';
import { parseManifest, serializeManifest } from '@xorida/modelguard';
import { createDirectoryNode, guardFile, reconstructFile } from '@xorida/modelguard/node';

const [op, file, dirsArg, manifestPath, fsyncArg, outPath, workersArg, modeArg] =
  process.argv.slice(2);
const mode = modeArg === 'compact' ? 'compact' : 'ideal';
const workers = workersArg ? Number(workersArg) : undefined; // undefined: the library default
const dirs = dirsArg ? dirsArg.split(',') : [];
const fsync = fsyncArg === 'fsync';
const t0 = performance.now();
let extra = {};
if (op === 'sha256') {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * 1024 * 1024 }))
    h.update(chunk);
  extra = { sha256: h.digest('hex') };
} else if (op === 'guard') {
  const nodes = dirs.map((d) => createDirectoryNode(d, { fsync }));
  const r = await guardFile(file, { nodes, threshold: 2, workers, mode });
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  writeFileSync(manifestPath, serializeManifest(r.value.manifest));
  extra = { sha256: r.value.manifest.modelHash };
} else if (op === 'restore') {
  const { readFileSync } = await import('node:fs');
  const m = parseManifest(readFileSync(manifestPath));
  if (!m.ok) throw new Error(m.error.message);
  const nodes = dirs.map((d) => createDirectoryNode(d));
  const r = await reconstructFile(m.value, nodes, outPath, { fsync, workers });
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  extra = { sha256: m.value.modelHash, badNodes: r.value.badNodes };
} else throw new Error(`unknown op ${op}`);
const ms = performance.now() - t0;
console.log(JSON.stringify({ op, ms, maxRssMiB: process.resourceUsage().maxRSS / 1024, ...extra }));
