/**
 * `modelguard node serve --dir D --port P`: runs a storage node server (node-server.ts) until
 * SIGTERM/SIGINT. Prints `listening <url>` (or one JSON line with `--json`) once it accepts
 * requests, so scripts and tests can wait for it.
 *
 * @module
 */
import type { CliProgram } from '@xorida/agent-sdk/node';
import { type Command, InvalidArgumentError } from 'commander';
import { createNodeServer } from './node-server.js';

/** Output sinks of the CLI. */
interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

function parsePort(v: string): number {
  if (!/^\d{1,5}$/.test(v) || Number(v) > 65535)
    throw new InvalidArgumentError('expected a port 0..65535');
  return Number(v);
}

/** `--rate-limit <n>`: requests per client address per minute, 1..10^6. */
function parseRateLimit(v: string): number {
  if (!/^\d{1,7}$/.test(v) || Number(v) < 1 || Number(v) > 1_000_000)
    throw new InvalidArgumentError('expected requests per minute, 1..1000000');
  return Number(v);
}

function parseQuota(v: string): number {
  const m = /^(\d+)\s*(b|kib|mib|gib|tib)?$/i.exec(v.trim());
  if (!m) throw new InvalidArgumentError('expected bytes, e.g. 10GiB');
  const mult: Record<string, number> = {
    b: 1,
    kib: 2 ** 10,
    mib: 2 ** 20,
    gib: 2 ** 30,
    tib: 2 ** 40,
  };
  return Number(m[1]) * mult[(m[2] ?? 'b').toLowerCase()]!;
}

/**
 * Adds the `node` command group (`node serve`) to the modelguard program.
 * @param program the commander program
 * @param io output sinks
 * @param setCode sets the process exit code (1 when the server cannot start)
 */
export function registerNodeCommand(
  program: Command,
  io: Io,
  setCode: (code: number) => void,
): void {
  const node = program.command('node').description('storage node server');
  node
    .command('serve')
    .description('serve a directory of node blobs over HTTP (DID-signed requests)')
    .requiredOption('--dir <dir>', 'directory holding the blobs')
    .requiredOption('--port <port>', 'TCP port (0 = any free port)', parsePort)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--quota <size>', 'largest total of stored bytes, e.g. 100GiB', parseQuota)
    .option('--allow <dids>', 'comma-separated did:keys allowed (default: any signer)')
    .option(
      '--rate-limit <n>',
      'requests per client address per minute (default: none; a guard streams many parts)',
      parseRateLimit,
    )
    .option('--json', 'print one JSON line when listening')
    .action(async (o) => {
      const kit = await createNodeServer({
        dir: o.dir,
        ...(o.quota !== undefined ? { quotaBytes: o.quota } : {}),
        ...(o.rateLimit !== undefined
          ? { rateLimit: { max: o.rateLimit, timeWindowMs: 60_000 } }
          : {}),
        ...(o.allow ? { allow: String(o.allow).split(',').filter(Boolean) } : {}),
      });
      if (!kit.ok) {
        io.err(`modelguard: ${kit.error.code}: ${kit.error.message}`);
        setCode(1);
        return;
      }
      const l = await kit.value.listen({ port: o.port, host: o.host });
      if (!l.ok) {
        io.err(`modelguard: ${l.error.code}: ${l.error.message}`);
        setCode(1);
        return;
      }
      kit.value.installSignalHandlers();
      io.out(o.json ? JSON.stringify({ ok: true, url: l.value.url }) : `listening ${l.value.url}`);
      // Keep the command running until a signal closes the server (the handler exits).
      await new Promise<void>((resolve) => kit.value.onClose(resolve));
    });
}

/**
 * Adds `node serve` to the modelguard program (the CLI kit's command registration).
 * @param cli the modelguard program
 */
export function addNodeCommand(cli: CliProgram): void {
  registerNodeCommand(cli.program, cli.io, (code) => cli.setExitCode(code));
}
