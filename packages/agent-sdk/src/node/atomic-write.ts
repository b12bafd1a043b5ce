/**
 * The one atomic durable file write of the platform: a temporary file next to the target
 * (created exclusively, with the final permission bits), write, fsync, rename over the target,
 * fsync of the directory. Readers see either the old file or the whole new one, never a mix,
 * and once the call returns the new content survives a crash (as far as the disk honours
 * fsync). Used by the xlink keystore, durable-log compaction and the modelguard manifest and
 * blob writers.
 *
 * Pitfalls:
 * - A rename is only durable once the directory holding it is fsynced; without that a crash can
 *   lose the new name even though the file's data was synced. Some platforms (Windows) cannot
 *   open or fsync a directory; `syncDir` ignores those errors (best effort) rather than failing
 *   a write that is otherwise complete.
 * - `mode` applies to the new file whatever the umask (it is set with `fchmod` before any byte
 *   is written), so a secret is never readable by others, not even for an instant. Default 0600.
 * - The temporary file is `.<name>.tmp-<12 hex>` in the same directory (a rename across file
 *   systems is not atomic); it is removed when the write fails.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Options of {@link writeFileAtomic} and {@link writeFileAtomicSync}. */
export interface AtomicWriteOptions {
  /** Permission bits of the file (default 0o600: owner read/write only). */
  readonly mode?: number;
  /** fsync the file and its directory (default true; false only for scratch data and tests). */
  readonly fsync?: boolean;
}

/** Default permission bits of an atomically written file: owner read/write only. */
export const DEFAULT_FILE_MODE = 0o600;

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${randomBytes(6).toString('hex')}`);
}

/**
 * Fsyncs a directory so that creations and renames inside it survive a crash. Best effort:
 * errors from platforms that cannot fsync a directory are ignored.
 * @param dir directory path
 */
export async function syncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // EISDIR/EPERM/EINVAL on platforms without directory fsync: nothing more we can do.
  } finally {
    await fh?.close().catch(() => {});
  }
}

/**
 * Synchronous {@link syncDir}.
 * @param dir directory path
 */
export function syncDirSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // see syncDir
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

async function writeAllTo(
  fh: FileHandle,
  data: string | Uint8Array | AsyncIterable<Uint8Array>,
): Promise<void> {
  const parts: AsyncIterable<Uint8Array> | Uint8Array[] =
    typeof data === 'string'
      ? [Buffer.from(data, 'utf8')]
      : data instanceof Uint8Array
        ? [data]
        : data;
  for await (const part of parts) {
    let done = 0;
    while (done < part.length) {
      const { bytesWritten } = await fh.write(part, done, part.length - done);
      done += bytesWritten;
    }
  }
}

/**
 * Replaces `path` atomically and durably with `data` (see module doc). The parent directory
 * must exist.
 * @param path destination file
 * @param data UTF-8 text, bytes, or an async iterable of byte chunks (streamed, not buffered)
 * @param options `mode` (default 0o600), `fsync` (default true)
 * @returns when the new content is durable
 * @throws the underlying `fs` error (ENOENT, EACCES, ENOSPC, ...) or the iterable's error;
 *   `path` is then left as it was and the temporary file is removed
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array | AsyncIterable<Uint8Array>,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const mode = options.mode ?? DEFAULT_FILE_MODE;
  const tmp = tempPathFor(path);
  const fh = await open(tmp, 'wx', mode);
  try {
    await fh.chmod(mode); // the umask may have cleared bits of `mode` at creation
    await writeAllTo(fh, data);
    if (options.fsync ?? true) await fh.sync();
    await fh.close();
    await rename(tmp, path);
  } catch (e) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true }).catch(() => {});
    throw e;
  }
  if (options.fsync ?? true) await syncDir(dirname(path));
}

/**
 * Synchronous {@link writeFileAtomic} for callers that cannot await (the CLI keystore).
 * @param path destination file (its directory must exist)
 * @param data UTF-8 text or bytes
 * @param options `mode` (default 0o600), `fsync` (default true)
 * @throws the underlying `fs` error; `path` is then left as it was
 */
export function writeFileAtomicSync(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): void {
  const mode = options.mode ?? DEFAULT_FILE_MODE;
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const tmp = tempPathFor(path);
  const fd = openSync(tmp, 'wx', mode);
  let closed = false;
  try {
    fchmodSync(fd, mode);
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    if (options.fsync ?? true) fsyncSync(fd);
    closeSync(fd);
    closed = true;
    renameSync(tmp, path);
  } catch (e) {
    if (!closed)
      try {
        closeSync(fd);
      } catch {
        // the write error is the one worth reporting
      }
    rmSync(tmp, { force: true });
    throw e;
  }
  if (options.fsync ?? true) syncDirSync(dirname(path));
}
