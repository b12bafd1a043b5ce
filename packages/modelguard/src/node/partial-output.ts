/**
 * Restore step 5, write atomically: the model is written to `<outPath>.partial-<random>`
 * (mode 0600: it holds the weights the split protected), and renamed into place only after the
 * whole-model hash matched; with `fsync` the file and then its directory are fsynced first, so
 * the rename survives a crash (POSIX rename(2) is atomic within a file system).
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ok, type Result } from 'xorida';
import { type ModelGuardError, mgErr } from '../errors.js';
import { syncDir } from './durable.js';

/**
 * A fresh temporary path next to `outPath`.
 * @returns `<outPath>.partial-<12 hex>`
 */
export function partialPath(outPath: string): string {
  return `${outPath}.partial-${randomBytes(6).toString('hex')}`;
}

/**
 * Creates the temporary file exclusively, mode 0600.
 * @param tmp the path from {@link partialPath}
 * @returns the open handle, or `FILE_FAILED` (field `outPath`)
 */
export async function createPartial(tmp: string): Promise<Result<FileHandle, ModelGuardError>> {
  try {
    // 0600: the restored weights are the secret the split protected.
    return ok(await open(tmp, 'wx', 0o600));
  } catch (e) {
    return mgErr(
      'FILE_FAILED',
      `cannot create ${tmp}: ${(e as Error).message}`,
      'Check the output directory.',
      { field: 'outPath' },
    );
  }
}

/**
 * Writes all of `bytes` at byte offset `position` (positional writes may be short).
 * @throws the file system error
 */
export async function writeAt(fh: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, done, bytes.length - done, position + done);
    done += bytesWritten;
  }
}

/**
 * Closes the temporary file (after an fsync when `fsync`), renames it to `outPath`, then fsyncs
 * the directory when `fsync`.
 * @throws the file system error (the caller removes `tmp`)
 */
export async function commitPartial(
  fh: FileHandle,
  tmp: string,
  outPath: string,
  fsync: boolean,
): Promise<void> {
  if (fsync) await fh.sync();
  await fh.close();
  await rename(tmp, outPath);
  if (fsync) await syncDir(dirname(outPath));
}
