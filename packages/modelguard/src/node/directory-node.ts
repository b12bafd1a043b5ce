/**
 * A `StorageNode` backed by one local directory: each blob is one file, streamed to a hidden
 * temporary name and renamed into place when complete (`writeFileAtomic` of
 * `@xorida/agent-sdk/node`).
 *
 * Pitfalls:
 * - Names are checked with `isBlobName` (no separators, no leading dot), so a hostile manifest
 *   id cannot escape the directory.
 * - `fsync` (default on) makes a completed `put` survive a crash (the file, then the directory
 *   after the rename); turning it off is faster and only safe for scratch data.
 * - Blob files are created with mode 0600 (owner only): a share alone reveals nothing, but k of
 *   them reveal the model.
 *
 * @module
 */

import { mkdir, open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@xorida/agent-sdk/node';
import { type ByteRange, isBlobName, type StorageNode } from '../storage-node.js';

/** Options of `createDirectoryNode`. */
export interface DirectoryNodeOptions {
  /** fsync each blob before renaming it into place, and the directory after; default true. */
  readonly fsync?: boolean;
}

function checkName(name: string): void {
  if (!isBlobName(name)) throw new Error(`invalid blob name ${JSON.stringify(name)}`);
}

/**
 * Creates a storage node over `dir` (created on first `put` if missing).
 * @param dir directory path
 * @param options `{ fsync = true }`
 * @returns a `StorageNode` whose `id` is `dir`
 */
export function createDirectoryNode(dir: string, options: DirectoryNodeOptions = {}): StorageNode {
  const fsync = options.fsync ?? true;
  return {
    id: dir,
    acceptsShared: true, // put writes each chunk to the file itself
    async put(name, data) {
      checkName(name);
      await mkdir(dir, { recursive: true });
      await writeFileAtomic(join(dir, name), data, { mode: 0o600, fsync });
    },
    async get(name, range?: ByteRange, into?: Uint8Array) {
      checkName(name);
      let fh: Awaited<ReturnType<typeof open>>;
      try {
        fh = await open(join(dir, name), 'r');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
      try {
        const offset = range ? range.offset : 0;
        const length = range ? range.length : (await fh.stat()).size;
        // A caller-owned buffer of the right size saves a fresh (page-faulting) allocation.
        const out = into?.length === length ? into : new Uint8Array(length);
        let done = 0;
        while (done < length) {
          // `position` is a plain number: exact above 4 GiB.
          const { bytesRead } = await fh.read(out, done, length - done, offset + done);
          if (bytesRead === 0)
            throw new Error(`${name}: range ${offset}+${length} runs past the end`);
          done += bytesRead;
        }
        return out;
      } finally {
        await fh.close();
      }
    },
    async list() {
      try {
        return (await readdir(dir)).filter(isBlobName);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw e;
      }
    },
    async delete(name) {
      checkName(name);
      await rm(join(dir, name), { force: true });
    },
  };
}
