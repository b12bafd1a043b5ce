/**
 * Durable append-only JSONL log: the storage engine of the file trust registry and the file
 * relay store (and, through `@xorida/agent-sdk/node`, of later servers such as xpass/xghost).
 *
 * Line format (spec and a known-answer vector in docs/formats.md#durable-log-line-format):
 *   <length>:<crc32>:<json>\n
 * `length` is the byte length of the UTF-8 `json` in decimal (no leading zeros), `crc32` is the
 * CRC-32 (IEEE 802.3, as zlib) of those bytes as 8 lower-case hex digits, `json` is one JSON
 * value without raw newlines.
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
 *   `LOG_LOCKED` while that process lives (a lock left by a killed process is taken over), so
 *   two servers cannot interleave writes in one data directory. Same-process double opens are
 *   refused too.
 * - After a failed write the log refuses further appends (`LOG_IO_FAILED`): the file may end in
 *   a partial line, and appending after it would bury that line mid-file. Reopen to recover.
 * - Replay reads the whole file into memory; keep logs compacted (`rewrite`) when records die.
 * - The directory is fsynced after creating or renaming the file, so the file itself survives.
 *
 * @module
 */
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { type FileHandle, open, readFile, rename, stat, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';
import { type ErrorDetail, err, ok, type Result } from 'xorida';

/** Error codes of the durable log. */
export type DurableLogErrorCode =
  | 'LOG_IO_FAILED'
  | 'LOG_CORRUPT'
  | 'LOG_RECORD_TOO_LARGE'
  | 'LOG_CLOSED'
  | 'LOG_INVALID_RECORD'
  | 'LOG_LOCKED';
/** Error detail of the durable log. */
export interface DurableLogErrorDetail extends ErrorDetail<DurableLogErrorCode> {}

const DOCS = 'docs/errors.md#agent-sdk';
function logErr(
  code: DurableLogErrorCode,
  message: string,
  hint: string,
): { ok: false; error: DurableLogErrorDetail } {
  return err({ code, message, hint, docs: DOCS });
}

/** Default largest record (JSON bytes): 1 MiB. */
export const DEFAULT_MAX_LOG_RECORD_BYTES = 1024 * 1024;

/**
 * Encodes one record as a log line.
 * @param record any JSON-serialisable value
 * @param maxBytes largest JSON byte length accepted (default 1 MiB)
 * @returns the line including its trailing `\n`, or `LOG_RECORD_TOO_LARGE` /
 *   `LOG_INVALID_RECORD` (not JSON-serialisable)
 */
export function encodeLogLine(
  record: unknown,
  maxBytes = DEFAULT_MAX_LOG_RECORD_BYTES,
): Result<Buffer, DurableLogErrorDetail> {
  let json: string | undefined;
  try {
    json = JSON.stringify(record);
  } catch {
    json = undefined;
  }
  if (json === undefined)
    return logErr('LOG_INVALID_RECORD', 'record is not JSON-serialisable', 'Store plain data');
  const body = Buffer.from(json, 'utf8');
  if (body.length > maxBytes)
    return logErr(
      'LOG_RECORD_TOO_LARGE',
      `record is ${body.length} bytes, limit ${maxBytes}`,
      'Store smaller records or raise maxRecordBytes',
    );
  const crc = crc32(body).toString(16).padStart(8, '0');
  return ok(Buffer.concat([Buffer.from(`${body.length}:${crc}:`, 'latin1'), body, NL]));
}

const NL = Buffer.from('\n');

/**
 * Decodes one line (without its `\n`).
 * @param line the line bytes
 * @param maxBytes largest JSON byte length accepted
 * @returns the record, or `undefined` when the line is invalid (length, CRC or JSON)
 */
export function decodeLogLine(
  line: Uint8Array,
  maxBytes = DEFAULT_MAX_LOG_RECORD_BYTES,
): { record: unknown } | undefined {
  const buf = Buffer.from(line.buffer, line.byteOffset, line.byteLength);
  const c1 = buf.indexOf(0x3a);
  if (c1 < 1 || c1 > 10) return undefined;
  const lenText = buf.toString('latin1', 0, c1);
  if (!/^(0|[1-9][0-9]*)$/.test(lenText)) return undefined;
  const len = Number(lenText);
  if (len > maxBytes) return undefined;
  if (buf.length !== c1 + 1 + 8 + 1 + len || buf[c1 + 9] !== 0x3a) return undefined;
  const crcText = buf.toString('latin1', c1 + 1, c1 + 9);
  if (!/^[0-9a-f]{8}$/.test(crcText)) return undefined;
  const body = buf.subarray(c1 + 10);
  if (crc32(body) !== Number.parseInt(crcText, 16)) return undefined;
  try {
    return { record: JSON.parse(body.toString('utf8')) };
  } catch {
    return undefined;
  }
}

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
}

function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the owner lock; returns an error message when another live process holds it. */
function takeLock(lockPath: string): string | undefined {
  try {
    writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
    return undefined;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  let holder = Number.NaN;
  try {
    holder = Number(readFileSync(lockPath, 'utf8').trim());
  } catch {
    // unreadable lock: treat as stale
  }
  if (pidAlive(holder)) return `log is in use by process ${holder} (${lockPath})`;
  writeFileSync(lockPath, String(process.pid)); // stale lock of a dead process: take it over
  return undefined;
}

function releaseLock(lockPath: string): void {
  try {
    if (readFileSync(lockPath, 'utf8').trim() === String(process.pid)) unlinkSync(lockPath);
  } catch {
    // already gone
  }
}

type Item =
  | { kind: 'append'; data: Buffer; done: (r: Result<void, DurableLogErrorDetail>) => void }
  | {
      kind: 'rewrite';
      snapshot: () => unknown[];
      done: (r: Result<void, DurableLogErrorDetail>) => void;
    };

async function fsyncDir(dir: string): Promise<void> {
  let h: FileHandle | undefined;
  try {
    h = await open(dir, 'r');
    await h.sync();
  } catch {
    // some platforms cannot fsync directories; the rename/creation is still ordered by the fs
  } finally {
    await h?.close().catch(() => {});
  }
}

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

  private constructor(
    path: string,
    fh: FileHandle,
    maxRecordBytes: number,
    bytes: number,
    lines: number,
    lockPath: string | undefined,
  ) {
    this.lockPath = lockPath;
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
   * @param options `maxRecordBytes` (default 1 MiB), `repair` (default false)
   * @returns the log, its records in order and what recovery did; or `LOG_CORRUPT` (an invalid
   *   line before valid ones), `LOG_IO_FAILED`
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
        const busy = takeLock(lockPath);
        if (busy)
          return logErr('LOG_LOCKED', busy, 'Stop the other process, or use Redis to share state');
      }
    } catch (e) {
      return logErr(
        'LOG_IO_FAILED',
        `cannot lock ${path}: ${(e as Error).message}`,
        'Check permissions',
      );
    }
    const opened = await DurableLog.openLocked(path, options, max, lockPath);
    if (!opened.ok && lockPath) releaseLock(lockPath);
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
      const records: unknown[] = [];
      let pos = 0;
      let good = 0; // end of the last valid line
      let firstBad = -1;
      let droppedCorrupt = 0;
      while (pos < content.length) {
        const nl = content.indexOf(0x0a, pos);
        if (nl === -1) break; // partial last line: torn tail
        const rec = decodeLogLine(content.subarray(pos, nl), max);
        if (rec) {
          if (firstBad !== -1) {
            if (!options.repair)
              return logErr(
                'LOG_CORRUPT',
                `invalid line at byte ${firstBad} is followed by valid records`,
                'The file was edited or damaged; restore from backup or reopen with repair: true',
              );
            droppedCorrupt++;
            firstBad = -1;
          }
          records.push(rec.record);
          good = nl + 1;
        } else if (firstBad === -1) firstBad = pos;
        pos = nl + 1;
      }
      const keep = options.repair && droppedCorrupt > 0 ? -1 : good;
      let fileBytes = content.length;
      if (keep >= 0 && keep < content.length) {
        await truncate(path, keep);
        fileBytes = keep;
      }
      if (keep < 0) {
        // repair: rewrite only the valid records
        const lines = records.map((r) => encodeLogLine(r, max));
        const data = Buffer.concat(lines.map((l) => (l.ok ? l.value : Buffer.alloc(0))));
        const tmp = `${path}.repair`;
        const h = await open(tmp, 'w');
        await writeAll(h, data);
        await h.sync();
        await h.close();
        await rename(tmp, path);
        fileBytes = data.length;
      }
      const fh = await open(path, 'a');
      if (created || keep < 0) {
        await fh.sync();
        await fsyncDir(dirname(path));
      }
      const log = new DurableLog(path, fh, max, fileBytes, records.length, lockPath);
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
            docs: DOCS,
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
    const tmp = `${this.path}.compact`;
    try {
      const lines: Buffer[] = [];
      for (const r of snapshot()) {
        const l = encodeLogLine(r, this.maxRecordBytes);
        if (!l.ok) return l;
        lines.push(l.value);
      }
      const data = Buffer.concat(lines);
      const h = await open(tmp, 'w');
      try {
        await writeAll(h, data);
        await h.sync();
      } finally {
        await h.close();
      }
      await rename(tmp, this.path);
      await fsyncDir(dirname(this.path));
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
    if (this.lockPath) releaseLock(this.lockPath);
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
