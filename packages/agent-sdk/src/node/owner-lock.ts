/**
 * The single-owner lock of a durable log: a file `<log>.lock` holding the owner's pid. A lock
 * whose process no longer lives (killed, crashed) is stale and is taken over at once, so a
 * restart after `kill -9` needs no manual cleanup.
 *
 * Every step that decides ownership is atomic, so any number of processes racing for the same
 * lock (a fleet restarting after a crash) end with exactly one owner:
 * - Creation is `link(2)` of a fully written temporary file onto the lock path: it fails with
 *   EEXIST when the lock exists (the same exclusivity as `O_EXCL`), and a reader never sees a
 *   half-written (empty) lock that it would mistake for a stale one.
 * - A stale lock is removed by exactly one racer: the one that creates the guard lock
 *   `<lock>.takeover-<inode>-<pid>`, named after that exact lock file, with this same procedure
 *   (so a guard left by a racer killed mid-takeover is itself taken over). The guard holder
 *   checks that the lock is still the same file with the same dead pid, unlinks it and releases
 *   the guard; every racer then competes for the free path with `link` again. A racer that is
 *   late sees a different inode or a live pid and backs off.
 *
 * Why not `proper-lockfile`: it detects staleness by mtime (a lock is stale only after `stale`
 * ms, at least 2 s, without a refresh timer touching it), so a log reopened right after its
 * owner was killed would wait or fail; liveness by pid takes over at once and needs no timer.
 *
 * Pitfalls:
 * - Liveness is `kill(pid, 0)` on this host: the lock is for one machine, not a network share.
 *   A pid reused by an unrelated process keeps a stale lock busy until that process exits.
 * - `link` needs a file system with hard links (any local POSIX fs, NTFS).
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  linkSync,
  openSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';

/** Outcome of {@link acquireOwnerLock}. */
export type OwnerLockResult =
  | { readonly acquired: true }
  | { readonly acquired: false; readonly holder: number };

/** Guards of guards deeper than this mean something else is wrong: report the lock busy. */
const MAX_GUARD_DEPTH = 3;
/** Attempts before giving up on a lock that keeps changing under us. */
const MAX_ATTEMPTS = 2000;
const pauseCell = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for `ms` milliseconds (a takeover by another process is in progress). */
function pause(ms: number): void {
  Atomics.wait(pauseCell, 0, 0, ms);
}

/**
 * Whether a process with this pid lives on this host.
 * @param pid process id (anything else is "not alive")
 * @returns true for this process, a live process, or one we may not signal (EPERM)
 */
export function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates `path` holding `content` atomically; false when it already exists. */
function createExclusive(path: string, content: string): boolean {
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(tmp, content, { flag: 'wx' });
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
}

interface Holder {
  readonly text: string;
  readonly pid: number;
  readonly dev: number;
  readonly ino: number;
}

/** Reads a lock file and the identity of the file read (one fd); undefined when absent. */
function readHolder(path: string): Holder | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const st = fstatSync(fd);
    const text = readFileSync(fd, 'utf8');
    const pid = /^[1-9][0-9]{0,9}$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
    return { text, pid, dev: st.dev, ino: st.ino };
  } finally {
    closeSync(fd);
  }
}

/**
 * Takes the lock at `lockPath` for this process (see module doc).
 * @param lockPath the lock file, e.g. `<log>.lock`
 * @param depth guard nesting (internal; callers pass nothing)
 * @returns `{ acquired: true }`, or `{ acquired: false, holder }` with the live owner's pid
 *   (this process's own pid when it already holds the lock)
 * @throws the underlying `fs` error (EACCES, ENOSPC, ...), or an Error when the lock keeps
 *   changing for `MAX_ATTEMPTS` rounds
 */
export function acquireOwnerLock(lockPath: string, depth = 0): OwnerLockResult {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (createExclusive(lockPath, String(process.pid))) return { acquired: true };
    const seen = readHolder(lockPath);
    if (!seen) continue; // released between our link and our read: try again
    if (pidAlive(seen.pid)) return { acquired: false, holder: seen.pid };
    if (depth >= MAX_GUARD_DEPTH) return { acquired: false, holder: seen.pid };
    const guard = `${lockPath}.takeover-${seen.ino}-${Number.isNaN(seen.pid) ? 'x' : seen.pid}`;
    const g = acquireOwnerLock(guard, depth + 1);
    if (!g.acquired) {
      pause(1); // another process is removing this stale lock right now
      continue;
    }
    try {
      const now = readHolder(lockPath);
      if (
        now &&
        now.dev === seen.dev &&
        now.ino === seen.ino &&
        now.text === seen.text &&
        !pidAlive(now.pid)
      )
        unlinkSync(lockPath);
    } finally {
      releaseOwnerLock(guard);
    }
  }
  throw new Error(`cannot take ${lockPath}: it kept changing for ${MAX_ATTEMPTS} attempts`);
}

/**
 * Releases the lock if this process holds it (a no-op otherwise, or when it is gone).
 * @param lockPath the lock file passed to {@link acquireOwnerLock}
 */
export function releaseOwnerLock(lockPath: string): void {
  try {
    if (readFileSync(lockPath, 'utf8').trim() === String(process.pid)) unlinkSync(lockPath);
  } catch {
    // already gone
  }
}
