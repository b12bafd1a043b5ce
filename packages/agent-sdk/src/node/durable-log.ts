/**
 * Durable append-only JSONL log: the storage engine of the file trust registry and the file
 * relay store (and, through `@xorida/agent-sdk/node`, of later servers such as xpass/xghost).
 *
 * Line format: `<length>:<crc32>:<json>\n` (durable-log-line.ts; spec and a known-answer vector
 * in docs/formats.md#durable-log-line-format). Recovery rules: durable-log-replay.ts. Owner lock:
 * owner-lock.ts.
 *
 * Guarantees:
 * - `append()` resolves only after the bytes are written AND `fdatasync`ed: an acknowledged
 *   record survives a process kill or power loss (as far as the disk honours fsync).
 * - Appends are serialised through one writer and group-committed: every append waiting while a
 *   sync runs goes into the next single write + sync (throughput without weaker durability).
 * - On open, the log is replayed; invalid bytes at the TAIL (a torn last write) are truncated,
 *   every valid record before them is kept. An invalid line FOLLOWED by valid lines is not a
 *   torn write but corruption: open fails with `LOG_CORRUPT` rather than silently dropping
 *   acknowledged records (unless `repair: true`, which keeps valid lines and drops bad ones).
 *
 * Pitfalls:
 * - One process owns a log file: `open` takes `<path>.lock` (holding its pid) and refuses with
 *   `LOG_LOCKED` while that process lives (a lock left by a killed process is taken over,
 *   atomically: of N processes racing, exactly one wins), so two servers cannot interleave
 *   writes in one data directory. Same-process double opens are refused too.
 * - The log file is created with `mode` (default 0600: logs hold keys, tokens and shares), and
 *   an existing file is brought to that mode on open; compaction keeps it.
 * - After a failed write the log refuses further appends (`LOG_IO_FAILED`): the file may end in
 *   a partial line, and appending after it would bury that line mid-file. Reopen to recover.
 * - Replay reads the whole file into memory; keep logs compacted (`rewrite`) when records die.
 * - The directory is fsynced after creating or renaming the file, so the file itself survives.
 *
 * @module
 */
import { mkdirSync } from 'node:fs';
import { type FileHandle, open, readFile, stat, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import { err, ok, type Result } from 'xorida';
import { xlinkDocsUrl } from '../errors.js';
import { DEFAULT_FILE_MODE, syncDir, writeFileAtomic } from './atomic-write.js';
import {
  DEFAULT_MAX_LOG_RECORD_BYTES,
  type DurableLogErrorDetail,
  encodeLogLine,
  logErr,
} from './durable-log-line.js';
import { replayLogBytes } from './durable-log-replay.js';
import { acquireOwnerLock, releaseOwnerLock } from './owner-lock.js';

export {
  DEFAULT_MAX_LOG_RECORD_BYTES,
  type DurableLogErrorCode,
  type DurableLogErrorDetail,
  decodeLogLine,
  encodeLogLine,
} from './durable-log-line.js';

/** What `DurableLog.open` found. */
export interface LogRecovery {
  /** Records replayed. */
  readonly records: number;
  /** Bytes dropped from the tail (a torn last write), 0 normally. */
  readonly droppedTailBytes: number;
  /** Invalid lines dropped mid-file (only with `repair: true`). */
  readonly droppedCorruptLines: number;
}

/** Options of {@link DurableLog.open}. */
export interface DurableLogOptions {
  /** Largest record, JSON bytes (default 1 MiB). */
  readonly maxRecordBytes?: number;
  /** Drop invalid lines in the middle instead of failing with `LOG_CORRUPT` (default false). */
  readonly repair?: boolean;
  /** Take the `<path>.lock` owner lock (default true). */
  readonly lock?: boolean;
  /**
   * Permission bits of the log file (default 0o600, owner only: logs hold keys, tokens and
   * shares). Applied on creation whatever the umask, to an existing file on open, and to the
   * file that replaces it on compaction.
   */
  readonly mode?: number;
}

type Item =
  | { kind: 'append'; data: Buffer; done: (r: Result<void, DurableLogErrorDetail>) => void }
  | {
      kind: 'rewrite';
      snapshot: () => unknown[];
      done: (r: Result<void, DurableLogErrorDetail>) => void;
    };

async function writeAll(fh: FileHandle, data: Buffer): Promise<void> {
  let off = 0;
  while (off < data.length) {
    const { bytesWritten } = await fh.write(data, off, data.length - off);
    off += bytesWritten;
  }
}

/** An open durable log (see module doc). */
export class DurableLog {
  readonly path: string;
  private fh: FileHandle;
  private readonly maxRecordBytes: number;
  private queue: Item[] = [];
  private flushing = false;
  private failed: DurableLogErrorDetail | undefined;
  private closed = false;
  private idle: (() => void)[] = [];
  private bytes: number;
  private lines: number;

  private readonly lockPath: string | undefined;
  private readonly mode: number;

  private constructor(
    path: string,
    fh: FileHandle,
    maxRecordBytes: number,
    bytes: number,
    lines: number,
    lockPath: string | undefined,
    mode: number,
  ) {
    this.lockPath = lockPath;
    this.mode = mode;
    this.path = path;
    this.fh = fh;
    this.maxRecordBytes = maxRecordBytes;
    this.bytes = bytes;
    this.lines = lines;
  }

  /** Current file size, bytes (acknowledged data). */
  get sizeBytes(): number {
    return this.bytes;
  }
  /** Records in the file (replayed + appended since). */
  get recordCount(): number {
    return this.lines;
  }

  /**
   * Opens (creating if needed, parent directories included) and replays a log.
   * @param path file path
   * @param options `maxRecordBytes` (default 1 MiB), `repair` (default false), `lock` (default
   *   true), `mode` (default 0o600)
   * @returns the log, its records in order and what recovery did; or `LOG_CORRUPT` (an invalid
   *   line before valid ones), `LOG_LOCKED` (another live process owns it), `LOG_IO_FAILED`
   */
  static async open(
    path: string,
    options: DurableLogOptions = {},
  ): Promise<
    Result<{ log: DurableLog; records: unknown[]; recovery: LogRecovery }, DurableLogErrorDetail>
  > {
    const max = options.maxRecordBytes ?? DEFAULT_MAX_LOG_RECORD_BYTES;
    const lockPath = options.lock === false ? undefined : `${path}.lock`;
    try {
      mkdirSync(dirname(path), { recursive: true });
      if (lockPath) {
        const lock = acquireOwnerLock(lockPath);
        if (!lock.acquired)
          return logErr(
            'LOG_LOCKED',
            `log is in use by process ${lock.holder} (${lockPath})`,
            'Stop the other process, or use Redis to share state',
          );
      }
    } catch (e) {
      return logErr(
        'LOG_IO_FAILED',
        `cannot lock ${path}: ${(e as Error).message}`,
        'Check permissions',
      );
    }
    const opened = await DurableLog.openLocked(path, options, max, lockPath);
    if (!opened.ok && lockPath) releaseOwnerLock(lockPath);
    return opened;
  }

  private static async openLocked(
    path: string,
    options: DurableLogOptions,
    max: number,
    lockPath: string | undefined,
  ): Promise<
    Result<{ log: DurableLog; records: unknown[]; recovery: LogRecovery }, DurableLogErrorDetail>
  > {
    try {
      let content: Buffer;
      let created = false;
      try {
        content = await readFile(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        content = Buffer.alloc(0);
        created = true;
      }
      const replay = replayLogBytes(content, max, options.repair ?? false);
      if (!replay.ok) return replay;
      const { records, keepBytes: keep, droppedCorruptLines: droppedCorrupt } = replay.value;
      const mode = options.mode ?? DEFAULT_FILE_MODE;
      let fileBytes = content.length;
      if (keep >= 0 && keep < content.length) {
        await truncate(path, keep);
        fileBytes = keep;
      }
      if (keep < 0) {
        // repair: rewrite only the valid records (each was decoded, so each encodes again)
        const lines = records.map((r) => encodeLogLine(r, max));
        const data = Buffer.concat(lines.map((l) => (l.ok ? l.value : Buffer.alloc(0))));
        await writeFileAtomic(path, data, { mode });
        fileBytes = data.length;
      }
      const fh = await open(path, 'a', mode);
      if (((await fh.stat()).mode & 0o777) !== mode) await fh.chmod(mode); // umask, or older file
      if (created) {
        await fh.sync();
        await syncDir(dirname(path));
      }
      const log = new DurableLog(path, fh, max, fileBytes, records.length, lockPath, mode);
      return ok({
        log,
        records,
        recovery: {
          records: records.length,
          droppedTailBytes: keep >= 0 ? content.length - keep : 0,
          droppedCorruptLines: droppedCorrupt,
        },
      });
    } catch (e) {
      return logErr(
        'LOG_IO_FAILED',
        `cannot open log ${path}: ${(e as Error).message}`,
        'Check the path, permissions and free space',
      );
    }
  }

  /**
   * Appends one record; resolves after write + fdatasync.
   * @param record JSON-serialisable value (at most maxRecordBytes as JSON)
   * @returns `ok` once durable, or `LOG_RECORD_TOO_LARGE`, `LOG_INVALID_RECORD`,
   *   `LOG_IO_FAILED`, `LOG_CLOSED`
   */
  append(record: unknown): Promise<Result<void, DurableLogErrorDetail>> {
    if (this.closed) return Promise.resolve(logErr('LOG_CLOSED', 'log is closed', 'Reopen it'));
    if (this.failed) return Promise.resolve(err(this.failed));
    const line = encodeLogLine(record, this.maxRecordBytes);
    if (!line.ok) return Promise.resolve(line);
    return new Promise((done) => {
      this.queue.push({ kind: 'append', data: line.value, done });
      if (!this.flushing) void this.flush();
    });
  }

  /**
   * Compaction: atomically replaces the file with `snapshot()` (evaluated after every earlier
   * append is durable), via a temp file, fsync, rename and directory fsync.
   * @param snapshot returns the records that should remain
   * @returns `ok` once the new file is durable, or `LOG_IO_FAILED` / `LOG_CLOSED`
   */
  rewrite(snapshot: () => unknown[]): Promise<Result<void, DurableLogErrorDetail>> {
    if (this.closed) return Promise.resolve(logErr('LOG_CLOSED', 'log is closed', 'Reopen it'));
    if (this.failed) return Promise.resolve(err(this.failed));
    return new Promise((done) => {
      this.queue.push({ kind: 'rewrite', snapshot, done });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      if (head.kind === 'rewrite') {
        this.queue.shift();
        head.done(await this.doRewrite(head.snapshot));
        continue;
      }
      const batch: Extract<Item, { kind: 'append' }>[] = [];
      while (this.queue.length > 0 && this.queue[0]!.kind === 'append')
        batch.push(this.queue.shift() as Extract<Item, { kind: 'append' }>);
      const data = batch.length === 1 ? batch[0]!.data : Buffer.concat(batch.map((b) => b.data));
      let result: Result<void, DurableLogErrorDetail>;
      if (this.failed) result = err(this.failed);
      else
        try {
          await writeAll(this.fh, data);
          await this.fh.datasync();
          this.bytes += data.length;
          this.lines += batch.length;
          result = ok(undefined);
        } catch (e) {
          this.failed = {
            code: 'LOG_IO_FAILED',
            message: `write to ${this.path} failed: ${(e as Error).message}`,
            hint: 'Free disk space / fix permissions, then reopen the log (recovery drops the torn tail)',
            docs: xlinkDocsUrl('LOG_IO_FAILED'),
          };
          result = err(this.failed);
        }
      for (const b of batch) b.done(result);
    }
    this.flushing = false;
    for (const f of this.idle.splice(0)) f();
  }

  private async doRewrite(snapshot: () => unknown[]): Promise<Result<void, DurableLogErrorDetail>> {
    if (this.failed) return err(this.failed);
    try {
      const lines: Buffer[] = [];
      for (const r of snapshot()) {
        const l = encodeLogLine(r, this.maxRecordBytes);
        if (!l.ok) return l;
        lines.push(l.value);
      }
      const data = Buffer.concat(lines);
      await writeFileAtomic(this.path, data, { mode: this.mode });
      const old = this.fh;
      this.fh = await open(this.path, 'a');
      await old.close().catch(() => {});
      this.bytes = data.length;
      this.lines = lines.length;
      return ok(undefined);
    } catch (e) {
      // The old file is intact unless the rename happened; either way it is a valid log.
      return logErr(
        'LOG_IO_FAILED',
        `compaction of ${this.path} failed: ${(e as Error).message}`,
        'Free disk space; the previous log is still valid',
      );
    }
  }

  /** Waits until every queued append/rewrite has completed. */
  drain(): Promise<void> {
    if (!this.flushing && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  /** Completes queued work, then closes the file. Further appends fail with `LOG_CLOSED`. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.drain();
    this.closed = true;
    await this.fh.close().catch(() => {});
    if (this.lockPath) releaseOwnerLock(this.lockPath);
  }

  /**
   * Current on-disk size (for tests/diagnostics).
   * @returns bytes, or -1 when the file cannot be stat'ed
   */
  async fileSize(): Promise<number> {
    try {
      return (await stat(this.path)).size;
    } catch {
      return -1;
    }
  }
}
