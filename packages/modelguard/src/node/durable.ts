/**
 * Durable file writes: fsync of a directory after a rename, and an atomic small-file write
 * (temporary file, fsync, rename, directory fsync).
 *
 * Pitfalls:
 * - A rename is only durable once the directory holding it is fsynced; without that, a crash
 *   can lose the new name even though the file's data was synced.
 * - Some platforms (Windows) cannot open or fsync a directory; `syncDir` ignores those errors
 *   (best effort) rather than failing a write that is otherwise complete.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Fsyncs a directory so that renames inside it survive a crash. Best effort: errors from
 * platforms that cannot fsync a directory are ignored.
 * @param dir directory path
 */
export async function syncDir(dir: string): Promise<void> {
  let fh: Awaited<ReturnType<typeof open>> | undefined;
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
 * Writes `text` to `path` atomically: a temporary file next to it (created exclusively with
 * `mode`), fsync, rename over `path`, fsync of the directory. On failure the temporary file
 * is removed and `path` is left as it was.
 * @param path destination file
 * @param text UTF-8 content
 * @param mode permission bits of a new file (default 0o644)
 * @throws the underlying `fs` error (ENOENT, EACCES, ENOSPC, ...)
 */
export async function writeFileAtomic(path: string, text: string, mode = 0o644): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${randomBytes(6).toString('hex')}`);
  const fh = await open(tmp, 'wx', mode);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
    await fh.close();
    await rename(tmp, path);
  } catch (e) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true }).catch(() => {});
    throw e;
  }
  await syncDir(dirname(path));
}
