/**
 * The program factory every xorida CLI is built with (commander underneath). It gives each
 * command and subcommand `--help`, `-V, --version` and `--json`; options may fall back to
 * environment variables (`envOption`); failures are `CliError`s printed one way; exit codes are
 * 0 ok / 1 failed / 2 usage; and `run(argv)` returns the code instead of exiting, so tests call
 * it in-process.
 *
 * Pitfalls:
 * - Program options are positional (commander `enablePositionalOptions`): `xlink --json init`
 *   and `xlink init --json` both work because every command has its own `--json`, and a
 *   command's own `--version <v>` (e.g. `xghost build`) is left alone.
 * - Nothing runs before parsing and validation finish: actions start only after commander and
 *   the env fallback accepted every argument, so a usage error never writes to disk.
 * - `--json` prints exactly one JSON object on stdout per command, errors included
 *   (`{"ok":false,"error":{code,…}}`).
 *
 * @module
 */
import { Command, CommanderError } from 'commander';
import {
  CliError,
  type CliErrorDetail,
  EXIT_FAILED,
  EXIT_OK,
  formatCliError,
  fromCommanderError,
  isCommanderSuccess,
} from './errors.js';
import { type CliIo, waitForSignal } from './io.js';
import { applyEnvFallback } from './options.js';

/** What a program is called and how it reaches the outside. */
export interface CliProgramOptions {
  /** Executable name, e.g. `xpass`. */
  readonly name: string;
  readonly description: string;
  /** Printed by `--version` (the package.json version). */
  readonly version: string;
  readonly io: CliIo;
}

/** A Result-like value: `{ ok: true, value }` or `{ ok: false, error: { code, message, … } }`. */
export type ResultLike<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: CliErrorDetail };

/** The program plus the helpers its actions use. */
export interface CliProgram {
  /** The commander root; add commands to it. */
  readonly program: Command;
  /** The injected environment (`io.env`, else `process.env`). */
  readonly env: Record<string, string | undefined>;
  readonly io: CliIo;
  /** True when the running command (or a parent) got `--json`. */
  json(): boolean;
  /** Prints `human` (text mode) or `JSON.stringify(obj)` (`--json`) on stdout. */
  print(human: string, obj: unknown): void;
  /** Stops the action with a printed failure (exit 1, or `exitCode`). */
  fail(detail: CliErrorDetail, exitCode?: number, notes?: readonly string[]): never;
  /** The value of an ok result; a failed one stops the action like `fail` (exit 1). */
  unwrap<T>(r: ResultLike<T>): T;
  /** Sets the exit code returned when the action completes without throwing. */
  setExitCode(code: number): void;
  /** Resolves when a `serve` command should stop (`io.waitForStop`, else SIGINT/SIGTERM). */
  waitForStop(): Promise<void>;
  /**
   * Parses `argv` and runs the matching action.
   * @param argv arguments after the executable
   * @returns 0 ok, 1 failed, 2 usage; `--help` and `--version` return 0
   */
  run(argv: readonly string[]): Promise<number>;
}

/** Adds `--json` and `-V, --version` to `cmd` and every subcommand that lacks them. */
function addCommonOptions(cmd: Command, version: string): void {
  const has = (long: string) => cmd.options.some((o) => o.long === long);
  if (!has('--json')) cmd.option('--json', 'print one JSON object on stdout (results and errors)');
  if (!has('--version')) cmd.version(version, '-V, --version', 'print the version and exit');
  for (const sub of cmd.commands) addCommonOptions(sub, version);
}

/**
 * Creates a CLI program.
 * @param opts name, description, version and io
 * @returns the program and its action helpers (see {@link CliProgram})
 */
export function createCliProgram(opts: CliProgramOptions): CliProgram {
  const { io, name } = opts;
  const env = io.env ?? process.env;
  let json = false;
  let code = EXIT_OK;
  const strip = (s: string) => s.replace(/\n$/, '');
  const program = new Command(name)
    .description(opts.description)
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(strip(s)),
      writeErr: (s) => io.err(strip(s)),
      // Parse errors are printed by run() in the one error format (text or JSON).
      outputError: () => {},
    })
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 operation failed (code, message, hint printed), 2 usage error.',
    );
  program.hook('preAction', (_root, action) => {
    json = Boolean(action.optsWithGlobals().json);
    for (let c: Command | null = action; c; c = c.parent) applyEnvFallback(c, env);
  });

  const report = (e: CliError): number => {
    if (json) io.out(JSON.stringify({ ok: false, error: e.detail }));
    else io.err(formatCliError(name, e));
    return e.exitCode;
  };

  return {
    program,
    env,
    io,
    json: () => json,
    print: (human, obj) => io.out(json ? JSON.stringify(obj) : human),
    fail: (detail, exitCode = EXIT_FAILED, notes = []) => {
      throw new CliError(detail, exitCode, notes);
    },
    unwrap<T>(r: ResultLike<T>): T {
      if (!r.ok) throw new CliError(r.error);
      return r.value;
    },
    setExitCode: (c) => {
      code = c;
    },
    waitForStop: () => (io.waitForStop ?? waitForSignal)(),
    async run(argv) {
      addCommonOptions(program, opts.version);
      // Before parsing, so usage errors (found before any action) honour --json too.
      json = argv.includes('--json');
      try {
        await program.parseAsync([...argv], { from: 'user' });
        return code;
      } catch (e) {
        if (isCommanderSuccess(e)) return EXIT_OK;
        if (e instanceof CommanderError) return report(fromCommanderError(e, name));
        if (e instanceof CliError) return report(e);
        throw e;
      }
    },
  };
}

/** Adds one command (or a group) to a program: the unit a CLI registers. */
export type CliCommand = (cli: CliProgram) => void;

/**
 * Builds a program from its command list and runs it: the whole `runCli` of a package CLI.
 * @param opts name, description and version of the program
 * @param commands registrations, in help order (adding a command is one entry)
 * @param argv arguments after the executable
 * @param io output sinks, environment and stop signal
 * @returns the exit code: 0 ok, 1 failed, 2 usage
 */
export function runCliProgram(
  opts: Omit<CliProgramOptions, 'io'>,
  commands: readonly CliCommand[],
  argv: readonly string[],
  io: CliIo,
): Promise<number> {
  const cli = createCliProgram({ ...opts, io });
  for (const add of commands) add(cli);
  return cli.run(argv);
}
