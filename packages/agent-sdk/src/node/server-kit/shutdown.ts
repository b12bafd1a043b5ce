/**
 * Graceful shutdown on SIGTERM/SIGINT (POSIX signals; SIGINT is Ctrl-C): stop accepting,
 * let in-flight requests finish (Fastify `close()` drains them and answers 503 to new ones),
 * run the server's closers, then exit 0 (1 when closing failed).
 *
 * @module
 */

/** Options of {@link installShutdownHandlers}. */
export interface ShutdownOptions {
  /** Graceful close (drains requests, flushes stores). */
  readonly close: () => Promise<void>;
  /** Log line writer. */
  readonly log?: (msg: string, signal: string) => void;
  /** Exit function (tests). Default `process.exit`. */
  readonly exit?: (code: number) => void;
  /** Signals (default SIGTERM and SIGINT). */
  readonly signals?: readonly NodeJS.Signals[];
}

/**
 * Installs one-shot signal handlers that close the server and exit.
 * @param options close, log, exit, signals
 * @returns an uninstaller
 */
export function installShutdownHandlers(options: ShutdownOptions): () => void {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let started = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (started) return;
    started = true;
    options.log?.('shutting down', sig);
    options.close().then(
      () => exit(0),
      () => exit(1),
    );
  };
  for (const s of signals) process.once(s, onSignal);
  return () => {
    for (const s of signals) process.off(s, onSignal);
  };
}
