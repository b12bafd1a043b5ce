/**
 * Options with an environment variable as fallback: the flag wins, then the variable, then the
 * default. Commander has `Option.env()`, but it reads `process.env` directly; these read the
 * injected `CliIo.env`, so a test can set a variable without touching the process.
 *
 * Pitfalls:
 * - An empty variable counts as unset, unless the option was made with `emptyIsValue` (e.g. a
 *   trusted key, where `VAR=""` must fail rather than silently mean "no key").
 * - A value from the environment goes through the option's parser, and a parse failure is a
 *   usage error (exit 2) naming the variable.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { LOG_LEVELS } from '../server-kit/logging.js';
import { usageError } from './errors.js';

/** Thrown by an option parser for a bad value (a usage error, exit 2); commander's class. */
export { InvalidArgumentError };

interface EnvMeta {
  readonly envVar: string;
  readonly required: boolean;
  readonly emptyIsValue: boolean;
}

const ENV = new WeakMap<Option, EnvMeta>();

/** How an {@link envOption} parses, defaults and requires its value. */
export interface EnvOptionSettings<T> {
  /** Parses the text (flag or variable); throw `InvalidArgumentError` for a bad value. */
  readonly parse?: (value: string, previous: T) => T;
  /** Used when neither the flag nor the variable is given. */
  readonly defaultValue?: T;
  /** After flag, variable and default: fail with usage `MISSING_OPTION` when still unset. */
  readonly required?: boolean;
  /** Treat a set-but-empty variable as the value `""` instead of unset. */
  readonly emptyIsValue?: boolean;
}

/**
 * An option whose fallback is an environment variable; the help text names the variable.
 * @param flags commander flags, e.g. `'--port <port>'`
 * @param description help text (`(env: VAR)` is appended)
 * @param envVar the variable read when the flag is absent, e.g. `XPASS_PORT`
 * @param settings parser, default, required
 * @returns the commander `Option`, for `command.addOption(...)`
 */
export function envOption<T = string>(
  flags: string,
  description: string,
  envVar: string,
  settings: EnvOptionSettings<T> = {},
): Option {
  const opt = new Option(flags, `${description} (env: ${envVar})`);
  if (settings.parse) opt.argParser(settings.parse);
  if (settings.defaultValue !== undefined) opt.default(settings.defaultValue);
  ENV.set(opt, {
    envVar,
    required: Boolean(settings.required),
    emptyIsValue: Boolean(settings.emptyIsValue),
  });
  return opt;
}

/**
 * Fills options of `cmd` that were not given on the command line from `env`, then checks the
 * required ones. Called by the program runner before each action.
 * @param cmd the command about to run (and, by the caller, each of its parents)
 * @param env the injected environment
 * @throws CliError usage `INVALID_VALUE` (a variable does not parse) or `MISSING_OPTION`
 */
export function applyEnvFallback(cmd: Command, env: Record<string, string | undefined>): void {
  for (const opt of cmd.options) {
    const meta = ENV.get(opt);
    if (!meta) continue;
    const key = opt.attributeName();
    const source = cmd.getOptionValueSource(key);
    const raw = env[meta.envVar];
    const present = raw !== undefined && (raw !== '' || meta.emptyIsValue);
    if ((source === undefined || source === 'default') && present) {
      let value: unknown = raw;
      if (opt.isBoolean()) value = raw === '1' || raw.toLowerCase() === 'true';
      else if (opt.parseArg) {
        try {
          value = opt.parseArg(raw, undefined);
        } catch (e) {
          if (!(e instanceof InvalidArgumentError)) throw e;
          throw usageError(
            'INVALID_VALUE',
            `${meta.envVar}=${JSON.stringify(raw)}: ${e.message}`,
            `Fix ${meta.envVar} or pass ${opt.long}`,
          );
        }
      }
      cmd.setOptionValueWithSource(key, value, 'env');
    }
    if (meta.required && cmd.getOptionValue(key) === undefined)
      throw usageError(
        'MISSING_OPTION',
        `${opt.long} is required`,
        `Pass ${opt.flags} or set ${meta.envVar}`,
      );
  }
}

/**
 * Parser for a TCP port.
 * @param v the text
 * @returns 0..65535 (0 = ephemeral)
 * @throws InvalidArgumentError otherwise
 */
export function parsePort(v: string): number {
  if (!/^\d+$/.test(v.trim()) || Number(v) > 65535)
    throw new InvalidArgumentError('expected a port 0..65535');
  return Number(v);
}

/**
 * Parser for a whole number.
 * @param v the text
 * @returns the number (>= 0)
 * @throws InvalidArgumentError when it is not digits only
 */
export function parseWholeNumber(v: string): number {
  if (!/^\d+$/.test(v.trim())) throw new InvalidArgumentError('expected a whole number');
  return Number(v);
}

/**
 * Parser for a comma-separated list, repeatable (each use appends).
 * @param v e.g. `'a,b'`
 * @param prev values from earlier uses
 * @returns the trimmed, non-empty items appended to `prev`
 */
export function parseList(v: string, prev: string[] = []): string[] {
  return [
    ...prev,
    ...v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

/**
 * `--log-level <level>` with `LOG_LEVEL` as fallback, for `serve` commands: one of the pino
 * levels the server kit accepts (server-kit/logging.ts `LOG_LEVELS`).
 * @returns the option; its value is undefined when neither flag nor variable is set (the server
 *   kit then logs at `info`)
 */
export function logLevelOption(): Option {
  return envOption(
    '--log-level <level>',
    `request log level: ${LOG_LEVELS.join(', ')}`,
    'LOG_LEVEL',
    {
      parse: (v) => {
        if (!(LOG_LEVELS as readonly string[]).includes(v))
          throw new InvalidArgumentError(`expected one of ${LOG_LEVELS.join(', ')}`);
        return v;
      },
    },
  );
}

/** Longest secret file read by {@link readSecretFile}, bytes: tokens and keys are short. */
export const MAX_SECRET_FILE_BYTES = 4096;

/**
 * Reads a secret (token, webhook secret) from a file named by a flag, so the secret itself never
 * appears on a command line (shell history, `ps`). Called at the start of an action, before
 * anything is written.
 * @param path the file
 * @param flag the flag or variable that named it, for the error
 * @returns the file's content without surrounding whitespace
 * @throws CliError usage `INVALID_VALUE` (exit 2) when the file cannot be read, is empty, or is
 *   over {@link MAX_SECRET_FILE_BYTES}
 */
export function readSecretFile(path: string, flag: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw usageError(
      'INVALID_VALUE',
      `${flag} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      `Point ${flag} at a readable file holding the secret`,
    );
  }
  const secret = text.trim();
  if (secret === '' || Buffer.byteLength(text) > MAX_SECRET_FILE_BYTES)
    throw usageError(
      'INVALID_VALUE',
      `${flag} ${path}: ${secret === '' ? 'the file is empty' : `over ${MAX_SECRET_FILE_BYTES} bytes`}`,
      `Put only the secret in the file`,
    );
  return secret;
}
