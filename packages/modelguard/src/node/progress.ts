/**
 * Progress reports of the streaming API.
 *
 * @module
 */

/** One progress report; sizes in bytes. */
export interface Progress {
  readonly phase: 'guard' | 'restore' | 'verify';
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly chunksDone: number;
  readonly chunksTotal: number;
}

/** Callback receiving progress after every chunk. Exceptions it throws are ignored. */
export type OnProgress = (progress: Progress) => void;

/** Calls `cb` and swallows its exceptions (a broken progress bar must not abort a restore). */
export function report(cb: OnProgress | undefined, p: Progress): void {
  try {
    cb?.(p);
  } catch {
    // ignored on purpose
  }
}
