/**
 * `FileShareSpool`: the node {@link ShareSpool} (split-channel/share-spool.ts). One file per
 * buffered share in a directory (the `xlink` CLI keeps it next to its keystore, as it keeps its
 * nonce store): `<sha256(group key) hex, 32 chars>.<share index>.share`, written atomically and
 * fsync'ed (atomic-write.ts) with mode 0600 in a 0700 directory, because k spooled shares
 * reconstruct a message.
 *
 * Pitfalls:
 * - One agent process per directory: the CLI opens it only while it holds the nonce file's
 *   owner lock (cli/replay-state.ts). Two agents sharing a spool would restore each other's
 *   shares and deliver the message twice.
 * - A record that no longer decodes is deleted on load (it cannot ever complete a group).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ok, type Result } from 'xorida';
import { type XlinkErrorDetail, xlinkErr } from '../errors.js';
import { decodeSpooledShare, type ShareSpool } from '../split-channel/share-spool.js';
import { writeFileAtomic } from './atomic-write.js';

const SUFFIX = '.share';

/** Durable, file-backed share spool (see module doc). */
export class FileShareSpool implements ShareSpool {
  /** @param dir the spool directory (created 0700 on the first save) */
  constructor(readonly dir: string) {}

  private prefix(groupKey: string): string {
    return createHash('sha256').update(groupKey).digest('hex').slice(0, 32);
  }

  /** See {@link ShareSpool.save}. */
  async save(
    groupKey: string,
    index: number,
    record: Uint8Array,
  ): Promise<Result<void, XlinkErrorDetail>> {
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(join(this.dir, `${this.prefix(groupKey)}.${index}${SUFFIX}`), record);
      return ok(undefined);
    } catch (e) {
      return xlinkErr(
        'NONCE_STORE_FULL',
        `share spool write failed: ${(e as Error).message}`,
        `Check that ${this.dir} is writable and has space`,
        { subCode: 'STORAGE_FAILED' },
      );
    }
  }

  /** See {@link ShareSpool.drop}. */
  async drop(groupKey: string): Promise<void> {
    const p = `${this.prefix(groupKey)}.`;
    for (const name of await this.names())
      if (name.startsWith(p)) await rm(join(this.dir, name), { force: true });
  }

  /** See {@link ShareSpool.load}. */
  async load(): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    for (const name of await this.names()) {
      const path = join(this.dir, name);
      const bytes = new Uint8Array(await readFile(path));
      if (decodeSpooledShare(bytes).ok) out.push(bytes);
      else await rm(path, { force: true });
    }
    return out;
  }

  private async names(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((n) => n.endsWith(SUFFIX));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }
}
