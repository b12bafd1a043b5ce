/**
 * The outside world of a CLI, injectable so commands run in-process under test: output sinks,
 * the environment, the "stop serving" signal. `runAsMain` wires it to the real process.
 *
 * @module
 */

/** Output sinks, environment and stop signal of a CLI run. */
export interface CliIo {
  /** One chunk of standard output (a trailing newline is added by `runAsMain` when missing). */
  readonly out: (s: string) => void;
  /** One chunk of standard error. */
  readonly err: (s: string) => void;
  /** Environment variables (default `process.env`). */
  readonly env?: Record<string, string | undefined>;
  /** Resolves when a `serve` command should stop (default: SIGINT or SIGTERM). */
  readonly waitForStop?: () => Promise<void>;
  /** Whether stderr is a terminal (progress bars); default false. */
  readonly isTty?: boolean;
}

/**
 * Resolves on the first SIGINT or SIGTERM, then removes its listeners.
 * @returns a promise that resolves once
 */
export function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

const line = (stream: NodeJS.WriteStream) => (s: string) => {
  stream.write(s.endsWith('\n') ? s : `${s}\n`);
};

/**
 * Runs a CLI as the process's main program: real argv, streams and environment; sets
 * `process.exitCode` to the code `run` resolves to (an unexpected throw prints
 * `program: internal error: …` and exits 1).
 * @param program name printed before an internal error
 * @param run the CLI, e.g. a package's `runCli(argv, io)`
 */
export function runAsMain(
  program: string,
  run: (argv: string[], io: CliIo) => Promise<number>,
): void {
  // A reader that stops early (`xlink send … | head`) closes the pipe: end quietly, as Unix
  // tools do on SIGPIPE, instead of dying on an unhandled EPIPE with a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });
  run(process.argv.slice(2), {
    out: line(process.stdout),
    err: line(process.stderr),
    env: process.env,
    isTty: Boolean(process.stderr.isTTY),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`${program}: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
