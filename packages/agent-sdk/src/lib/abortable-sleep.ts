/**
 * A timer that an `AbortSignal` cuts short, for retry back-off and poll intervals on every
 * runtime (no `node:timers/promises`).
 *
 * Pitfall: the abort listener must be removed when the timer fires. A long-lived signal (the one
 * `listen()` runs under) otherwise keeps one listener per wait: a leak that grows with every idle
 * poll, reported by Node as `MaxListenersExceededWarning` after ten.
 *
 * @module
 */

/**
 * Waits `ms` milliseconds, or less if `signal` aborts (it resolves then, never rejects).
 * @param ms delay, milliseconds
 * @param signal optional; already aborted: resolves at once
 * @returns a promise that resolves when the time is up or the signal aborts
 */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
