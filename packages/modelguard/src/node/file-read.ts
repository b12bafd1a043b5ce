/**
 * Reading exact byte ranges from a local file handle.
 *
 * Pitfall: `read` may return fewer bytes than asked; loop until done. Positions are plain
 * numbers (exact above 4 GiB).
 *
 * @module
 */
import type { FileHandle } from 'node:fs/promises';

/**
 * Reads `length` bytes at `position` into a fresh buffer with its own ArrayBuffer (safe to
 * transfer to a worker; `Buffer.allocUnsafe` would share a pool), or into `reuse` when it has
 * exactly `length` bytes.
 * @throws Error when the file ends first
 */
export async function readExact(
  fh: FileHandle,
  position: number,
  length: number,
  reuse?: Uint8Array,
): Promise<Uint8Array> {
  const out = reuse && reuse.length === length ? reuse : new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(out, done, length - done, position + done);
    if (bytesRead === 0)
      throw new Error(`file ended at ${position + done}, expected ${position + length}`);
    done += bytesRead;
  }
  return out;
}
