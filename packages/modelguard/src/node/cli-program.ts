/**
 * The `modelguard` command line, built with the CLI kit (`@xorida/agent-sdk/node`
 * createCliProgram): `split`, `restore`, `verify`, one module per command. `--version`,
 * `--help` (every command) and `--json` (one JSON object on stdout, no progress bar) come from
 * the kit; a bar with MB/s and ETA is drawn on a TTY (cli-progress).
 *
 * Exit codes: 0 success, 1 the operation failed (`modelguard: CODE[:SUB]: message`, `  hint: …`,
 * bad nodes), 2 bad usage. `verify` exits 1 when any node is bad or the model is not
 * recoverable. Adding a command is one entry in `COMMANDS`.
 *
 * @module
 */
import { type CliCommand, type CliIo, runCliProgram } from '@xorida/agent-sdk/node';
import packageJson from '../../package.json';
import { addNodeCommand } from './node-serve-command.js';
import { addRestoreCommand } from './restore-command.js';
import { addSplitCommand } from './split-command.js';
import { addVerifyCommand } from './verify-command.js';

export type { CliIo } from '@xorida/agent-sdk/node';

/** Every `modelguard` command, registered in this order. */
const COMMANDS: readonly CliCommand[] = [
  addSplitCommand,
  addRestoreCommand,
  addVerifyCommand,
  addNodeCommand,
];

/**
 * Runs the CLI.
 * @param argv arguments after the program name, e.g. `['split', 'model.bin', '--nodes', 'a,b,c']`
 * @param io output sinks, environment (default `process.env`) and whether stderr is a terminal
 * @returns the exit code (0 ok, 1 failed, 2 usage)
 */
export function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  return runCliProgram(
    {
      name: 'modelguard',
      description:
        'Split AI model weights K-of-N across storage directories (xorida), restore and verify them.',
      version: packageJson.version,
    },
    COMMANDS,
    argv,
    io,
  );
}
