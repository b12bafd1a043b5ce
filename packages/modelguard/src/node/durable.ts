/**
 * modelguard's durable writes are the platform's one atomic durable write (`writeFileAtomic`
 * and `syncDir` in `@xorida/agent-sdk/node`, packages/agent-sdk/src/node/atomic-write.ts:
 * temporary file with its final mode, write, fsync, rename, directory fsync). This module only
 * keeps modelguard's default mode for manifests, which are public (0644).
 *
 * @module
 */
import { writeFileAtomic as writeAtomic } from '@xorida/agent-sdk/node';

export { syncDir } from '@xorida/agent-sdk/node';

/**
 * Writes `text` to `path` atomically and durably (see module doc).
 * @param path destination file (its directory must exist)
 * @param text UTF-8 content
 * @param mode permission bits of the file (default 0o644: manifests are public)
 * @throws the underlying `fs` error (ENOENT, EACCES, ENOSPC, ...); `path` is then unchanged
 */
export function writeFileAtomic(path: string, text: string, mode = 0o644): Promise<void> {
  return writeAtomic(path, text, { mode });
}
