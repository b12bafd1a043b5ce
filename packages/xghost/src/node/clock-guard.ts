/**
 * Clock-rollback detection: the latest time seen is kept (and, with a state file, persisted
 * mode 0600), and a clock more than the tolerance behind it is refused with `CLOCK_ROLLBACK`.
 *
 * @module
 */
import { readFile, writeFile } from 'node:fs/promises';
import { ok, type Result } from 'xorida';
import { type XghostError, xghostErr } from '../index.js';
import type { CreateGhostOptions } from './ghost-types.js';

/** The latest time seen (Unix ms) and the check that advances it. */
export interface ClockGuard {
  lastSeen: number;
  /**
   * Checks the clock against the latest time seen and advances it; with `persist`, writes it
   * to the state file.
   * @returns `ok`, or `CLOCK_ROLLBACK`, `IO_FAILED`
   */
  check(persist: boolean): Promise<Result<void, XghostError>>;
}

/**
 * Loads the latest time seen from `opts.clockStateFile` (0 when absent or unreadable).
 * @param now clock, Unix ms
 * @param tolerance allowed backwards step, ms
 * @returns the guard
 */
export async function openClockGuard(
  opts: CreateGhostOptions,
  now: () => number,
  tolerance: number,
): Promise<ClockGuard> {
  // Clock-rollback detection (air-gapped; online too when a state file is given).
  let lastSeen = 0;
  if (opts.clockStateFile !== undefined) {
    try {
      const j = JSON.parse(await readFile(opts.clockStateFile, 'utf8')) as { lastSeen?: unknown };
      if (Number.isSafeInteger(j.lastSeen)) lastSeen = j.lastSeen as number;
    } catch {
      /* first start */
    }
  }
  const clockCheck = async (persist: boolean): Promise<Result<void, XghostError>> => {
    const t = now();
    if (t + tolerance < lastSeen)
      return xghostErr(
        'CLOCK_ROLLBACK',
        `clock is ${lastSeen - t} ms behind the latest time seen`,
        'Fix the system clock; the runtime refuses a clock moved backwards',
      );
    if (t > lastSeen) lastSeen = t;
    if (persist && opts.clockStateFile !== undefined) {
      try {
        await writeFile(opts.clockStateFile, JSON.stringify({ lastSeen }), { mode: 0o600 });
      } catch (e) {
        return xghostErr(
          'IO_FAILED',
          `cannot write ${opts.clockStateFile}: ${(e as Error).message}`,
          'Check permissions',
        );
      }
    }
    return ok(undefined);
  };
  return {
    get lastSeen() {
      return lastSeen;
    },
    set lastSeen(t: number) {
      lastSeen = t;
    },
    check: clockCheck,
  };
}
