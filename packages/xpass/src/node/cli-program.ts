/**
 * The `xpass` command line, built with the CLI kit (`@xorida/agent-sdk/node` createCliProgram):
 *
 *   xpass serve [--port …] [--data-dir …] …   (serve-command.ts; flags fall back to XPASS_*)
 *   xpass audit verify <file> --public-key <hex|did:key> [--head <head.json>] [--require-signed-tail]
 *
 * `--version`, `--help` (every command) and `--json` come from the kit. Exit codes: 0 ok, 1
 * failed (`xpass: CODE[:SUB]: message` then `  hint: …`), 2 usage. Adding a command is one
 * entry in `COMMANDS`.
 *
 * @module
 */
import { type CliCommand, type CliIo, runCliProgram } from '@xorida/agent-sdk/node';
import packageJson from '../../package.json';
import { addAuditCommand } from './audit-command.js';
import { addServeCommand } from './serve-command.js';

export type { CliIo } from '@xorida/agent-sdk/node';

/** Every `xpass` command, registered in this order. */
const COMMANDS: readonly CliCommand[] = [addServeCommand, addAuditCommand];

/**
 * Runs the CLI.
 * @param argv arguments after the program name, e.g. `['serve', '--port', '0']`
 * @param io output sinks, environment (default `process.env`) and the stop signal of `serve`
 * @returns the exit code (0 ok, 1 failed, 2 usage); `serve` resolves once the server stopped
 */
export function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  return runCliProgram(
    {
      name: 'xpass',
      description: 'xpass: per-connection M2M billing server and audit tools',
      version: packageJson.version,
    },
    COMMANDS,
    argv,
    io,
  );
}
