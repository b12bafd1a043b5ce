/**
 * `xlink listen`: the long-running receiver. Runs `agent.listen()` (relay-listen.ts) on the
 * keystore's mailbox with the durable receive state of `receive` (cli/receiving.ts) until SIGINT
 * or SIGTERM, printing one line per event: a delivered message (`{"message":…}` with `--json`),
 * a refused envelope, relay error or expired split group (`{"error":…}`).
 *
 * Pitfalls:
 * - With `--json` this command prints one JSON object per LINE (JSON Lines), not one per run.
 * - Killed at any moment (even `kill -9`), it loses nothing: a message is acked only after it
 *   was printed, a split-channel share only after it was stored in the share spool.
 *
 * @module
 */
import type { XlinkErrorDetail } from '../../errors.js';
import { parseWholeNumber } from '../cli-kit/options.js';
import { openReceiving } from './receiving.js';
import {
  type ConnectionOptions,
  keystoreOption,
  registryOption,
  relayOption,
  type XlinkContext,
} from './shared-options.js';

/**
 * Adds `listen` to the program.
 * @param x the shared context
 */
export function addListenCommand(x: XlinkContext): void {
  const { cli } = x;
  cli.program
    .command('listen')
    .description('receive from the relay mailbox until stopped (SIGINT / SIGTERM)')
    .option('--wait <ms>', 'long-poll the relay this long when empty (default 0)', parseWholeNumber)
    .option('--interval <ms>', 'pause between empty polls (default 500)', parseWholeNumber)
    .addOption(keystoreOption())
    .addOption(registryOption())
    .addOption(relayOption())
    .action(async (o: ConnectionOptions & { wait?: number; interval?: number }) => {
      const r = await openReceiving(x, o, true);
      const ac = new AbortController();
      try {
        const loop = r.agent.listen({
          relay: r.relay!,
          signal: ac.signal,
          ...(o.wait !== undefined ? { waitMs: o.wait } : {}),
          ...(o.interval !== undefined ? { intervalMs: o.interval } : {}),
          onMessage: (m) => {
            const message = {
              sender: m.sender,
              scope: m.scope,
              version: m.version,
              payload: m.payload,
            };
            cli.print(`from ${m.sender} [${m.scope}]: ${JSON.stringify(m.payload)}`, { message });
          },
          onError: (e) => {
            const d = e instanceof Error ? { code: 'ERROR', message: e.message } : errorLine(e);
            cli.print(`error ${JSON.stringify(d)}`, { error: d });
          },
        });
        cli.print(`listening as ${r.agent.did}`, { listening: r.agent.did });
        await Promise.race([loop, cli.waitForStop()]);
        ac.abort();
        await loop;
      } finally {
        await r.close();
      }
    });
}

function errorLine(e: XlinkErrorDetail): Record<string, unknown> {
  const { code, subCode, message } = e;
  const extra = e as unknown as { sender?: string; groupId?: string };
  return {
    code,
    ...(subCode !== undefined ? { subCode } : {}),
    message,
    ...(extra.sender !== undefined ? { sender: extra.sender } : {}),
    ...(extra.groupId !== undefined ? { groupId: extra.groupId } : {}),
  };
}
