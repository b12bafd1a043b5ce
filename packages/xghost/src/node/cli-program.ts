/**
 * The `xghost` command line, built with the CLI kit (`@xorida/agent-sdk/node`
 * createCliProgram): `build` and `lease export` (build-command.ts), `serve` (serve-command.ts).
 * `--version`, `--help` (every command) and `--json` come from the kit; `build --version <v>`
 * stays the bundle version. Exit codes: 0 ok, 1 failed (`xghost: CODE[:SUB]: message` then
 * `  hint: …`), 2 usage. Adding a command is one entry in `COMMANDS`.
 *
 * @module
 */
import { type CliCommand, type CliIo, runCliProgram } from '@xorida/agent-sdk/node';
import packageJson from '../../package.json';
import { addBuildCommands } from './build-command.js';
import { addServeCommand } from './serve-command.js';

export type { CliIo } from '@xorida/agent-sdk/node';

/** Every `xghost` command, registered in this order. */
const COMMANDS: readonly CliCommand[] = [addBuildCommands, addServeCommand];

/**
 * Runs the CLI.
 * @param argv arguments after the program name, e.g. `['build', 'model.js', '--exports', 'predict']`
 * @param io output sinks, environment (default `process.env`) and the stop signal of `serve`
 * @returns the exit code (0 ok, 1 failed, 2 usage); `serve` resolves once the server stopped
 */
export function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  return runCliProgram(
    {
      name: 'xghost',
      description: 'xghost: ship JavaScript to customers as two xorida shares, leased per DID',
      version: packageJson.version,
    },
    COMMANDS,
    argv,
    io,
  );
}
