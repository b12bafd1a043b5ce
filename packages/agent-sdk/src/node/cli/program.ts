/**
 * The `xlink` command line, built with the CLI kit: `init`, `create`, `serve`, `register`,
 * `revoke`, `lookup`, `send`, `receive`, `listen`, `invite`, `connect`, `whoami`, `keydoc export`. Each group of commands
 * lives in its own module.
 *
 * Pitfalls:
 * - `--json` prints exactly one JSON object on stdout per command (`serve`: one line when
 *   listening; `listen`: one per event, JSON Lines), for scripts.
 * - Exit codes: 0 success, 1 the operation failed (code, message and hint printed), 2 bad usage.
 * - Registry / relay URLs: `--registry` or `XLINK_REGISTRY_URL`; `--relay` or
 *   `XLINK_RELAY_URL`, default the registry. Admin token: `--admin-token` or
 *   `XLINK_ADMIN_TOKEN`. Keystore: `--keystore`, `XLINK_KEYSTORE`, else the config dir.
 * - The private key is never printed.
 *
 * @module
 */
import packageJson from '../../../package.json';
import type { CliIo } from '../cli-kit/io.js';
import { createCliProgram } from '../cli-kit/program.js';
import { addIdentityCommands } from './identity-commands.js';
import { addInviteCommands } from './invite-commands.js';
import { addKeydocCommands } from './keydoc-commands.js';
import { addListenCommand } from './listen-command.js';
import { addMessageCommands } from './message-commands.js';
import { addServeCommand } from './serve-command.js';
import { xlinkContext } from './shared-options.js';

export { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from '../cli-kit/errors.js';
export type { CliIo } from '../cli-kit/io.js';

/**
 * Runs the CLI.
 * @param argv arguments after the executable (e.g. `['init', '--name', 'billing']`)
 * @param io output sinks and environment (default `process.env`)
 * @returns the exit code: 0 ok, 1 failed, 2 usage (`serve` resolves only when the server stops)
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const cli = createCliProgram({
    name: 'xlink',
    description: 'Xlink: DID identities and signed, encrypted envelopes between services',
    version: packageJson.version,
    io,
  });
  const x = xlinkContext(cli);
  addIdentityCommands(x);
  addKeydocCommands(x);
  addMessageCommands(x);
  addListenCommand(x);
  addInviteCommands(x);
  addServeCommand(x);
  return cli.run(argv);
}
