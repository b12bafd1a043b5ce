// Child process of modelguard.bench.ts: runs one guard, restore, sha256 or fsync-write pass and
// prints { ms, maxRssMiB, ... } as JSON, so each measurement has its own peak RSS.
import { createHash, randomFillSync } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  openSync,
  readFileSync,
  readSync,
  writeFileSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { parseManifest, serializeManifest } from '@xorida/modelguard';
import { createDirectoryNode, guardFile, reconstructFile } from '@xorida/modelguard/node';

const [op, file, dirsArg, manifestPath, fsyncArg, outPath, workersArg, modeArg] =
  process.argv.slice(2);
const mode = modeArg === 'compact' ? 'compact' : 'ideal';
const workers = workersArg ? Number(workersArg) : undefined; // undefined: the library default
const dirs = dirsArg ? dirsArg.split(',') : [];
const fsync = fsyncArg === 'fsync';
/** SHA-256 of a file read into one reused 4 MiB buffer (as fast as one stream goes), hex. */
function hashFile(path) {
  const h = createHash('sha256');
  const fd = openSync(path, 'r');
  const buf = new Uint8Array(4 * 1024 * 1024);
  for (;;) {
    const n = readSync(fd, buf, 0, buf.length, null);
    if (n === 0) break;
    h.update(buf.subarray(0, n));
  }
  closeSync(fd);
  return h.digest('hex');
}
let t0 = performance.now();
let cpu0 = process.cpuUsage();
let faults0 = process.resourceUsage().minorPageFault;
let extra = {};
if (op === 'sha256') {
  // The reference: read into one reused 4 MiB buffer and hash, as fast as one stream goes.
  // (createReadStream allocates a fresh buffer per read and ran 1.6-2.8x slower here, which
  // would flatter every ratio; its time is reported beside it, as sha256Stream.)
  extra = { sha256: hashFile(file) };
} else if (op === 'sha256stream') {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * 1024 * 1024 }))
    h.update(chunk);
  extra = { sha256: h.digest('hex') };
} else if (op === 'fsyncwrite') {
  // The disk bound: `file` holds the byte count to write, split evenly over one file per dir,
  // written in 4 MiB blocks round-robin (as guard writes its node blobs), then each fsynced.
  const total = Number(file);
  const block = new Uint8Array(4 * 1024 * 1024);
  randomFillSync(block);
  const fhs = await Promise.all(dirs.map((d) => open(join(d, 'fsync-probe.bin'), 'w')));
  t0 = performance.now();
  cpu0 = process.cpuUsage();
  faults0 = process.resourceUsage().minorPageFault;
  const per = Math.ceil(total / fhs.length);
  for (let done = 0; done < per; done += block.length)
    await Promise.all(fhs.map((fh) => fh.write(block, 0, Math.min(block.length, per - done))));
  await Promise.all(fhs.map((fh) => fh.sync()));
  extra = { bytes: per * fhs.length };
  await Promise.all(fhs.map((fh) => fh.close()));
} else if (op === 'guard') {
  const nodes = dirs.map((d) => createDirectoryNode(d, { fsync }));
  const r = await guardFile(file, { nodes, threshold: 2, workers, mode });
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  writeFileSync(manifestPath, serializeManifest(r.value.manifest));
  // Manifest version 4 records a tag list hash, not the file's SHA-256: restore checks the bytes.
  extra = { tagListHash: r.value.manifest.tagListHash };
} else if (op === 'restore') {
  const m = parseManifest(readFileSync(manifestPath));
  if (!m.ok) throw new Error(m.error.message);
  const nodes = dirs.map((d) => createDirectoryNode(d));
  const r = await reconstructFile(m.value, nodes, outPath, { fsync, workers });
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  extra = { badNodes: r.value.badNodes };
} else throw new Error(`unknown op ${op}`);
const ms = performance.now() - t0;
// CPU time of the timed pass, all threads: user and system (kernel: page faults, copies) ms.
const cpu = process.cpuUsage(cpu0);
const cpuMs = { user: Math.round(cpu.user / 1000), system: Math.round(cpu.system / 1000) };
// Page faults of the process itself (its heap and buffers; not the kernel's tmpfs pages).
const minorFaults = process.resourceUsage().minorPageFault - faults0;
// Peak RSS of the pass, read before the check below, which would add its own buffers.
const maxRssMiB = process.resourceUsage().maxRSS / 1024;
// Outside the timing: the restored file's SHA-256, which the parent compares with the input's.
if (op === 'restore') extra.sha256 = hashFile(outPath);
console.log(
  JSON.stringify({
    op,
    ms,
    maxRssMiB,
    cpuMs,
    minorFaults,
    ...extra,
  }),
);
