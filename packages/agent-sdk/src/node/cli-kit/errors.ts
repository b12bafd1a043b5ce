/**
 * CLI failures as values with stable SCREAMING_SNAKE codes, the three exit codes every xorida
 * CLI uses, and the one way they are printed: `prog: CODE[:SUB_CODE]: message` then
 * `  hint: …` on stderr, or `{"ok":false,"error":{…}}` on stdout under `--json`.
 *
 * @module
 */
import { CommanderError } from 'commander';

/** The command did what it was asked. */
export const EXIT_OK = 0;
/** The operation failed (a code, message and hint were printed). */
export const EXIT_FAILED = 1;
/** Bad usage: unknown flag, missing argument or option, a value that does not parse. */
export const EXIT_USAGE = 2;

/** What a CLI prints about a failure; extra fields of the object are kept in the JSON form. */
export interface CliErrorDetail {
  readonly code: string;
  readonly subCode?: string | undefined;
  readonly message: string;
  readonly hint?: string | undefined;
}

/**
 * Thrown inside a command action to stop it with a printed failure; the program runner
 * (`createCliProgram().run`) catches it and returns `exitCode`.
 */
export class CliError extends Error {
  /**
   * @param detail code, message, hint (printed), plus any extra JSON fields
   * @param exitCode `EXIT_FAILED` (default) or `EXIT_USAGE`
   * @param notes extra human-readable lines printed after the hint (not in JSON)
   */
  constructor(
    readonly detail: CliErrorDetail,
    readonly exitCode: number = EXIT_FAILED,
    readonly notes: readonly string[] = [],
  ) {
    super(detail.message);
  }
}

/**
 * A usage failure (exit 2).
 * @param subCode e.g. `MISSING_OPTION`, `INVALID_VALUE`
 * @param message what is wrong, naming the flag or variable
 * @param hint how to call the command instead
 * @returns a `CliError` with code `USAGE`, ready to throw
 */
export function usageError(subCode: string, message: string, hint?: string): CliError {
  return new CliError({ code: 'USAGE', subCode, message, hint }, EXIT_USAGE);
}

/** `commander.unknownOption` -> `UNKNOWN_OPTION`. */
function commanderSubCode(code: string): string {
  return code
    .replace(/^commander\./, '')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toUpperCase();
}

/**
 * Turns a commander parse error into a usage `CliError`.
 * @param e the error commander threw under `exitOverride()`
 * @param program the program name, for the hint
 * @returns a `CliError` with code `USAGE` and exit code 2
 */
export function fromCommanderError(e: CommanderError, program: string): CliError {
  const message =
    e.code === 'commander.help' || e.code === 'commander.executeSubCommandAsync'
      ? 'a command is required'
      : e.message.replace(/^error:\s*/, '');
  return usageError(commanderSubCode(e.code), message, `Run \`${program} --help\``);
}

/**
 * Formats a failure for a human (stderr).
 * @param program the program name printed first, e.g. `xlink`
 * @param e the failure
 * @returns lines joined with `\n`: `program: CODE[:SUB]: message`, `  hint: …`, then the notes
 */
export function formatCliError(program: string, e: CliError): string {
  const d = e.detail;
  const lines = [`${program}: ${d.code}${d.subCode ? `:${d.subCode}` : ''}: ${d.message}`];
  if (d.hint) lines.push(`  hint: ${d.hint}`);
  for (const n of e.notes) lines.push(`  ${n}`);
  return lines.join('\n');
}

/** True for the commander "errors" that are really successful `--help` / `--version` exits. */
export function isCommanderSuccess(e: unknown): e is CommanderError {
  return (
    e instanceof CommanderError &&
    (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0)
  );
}
