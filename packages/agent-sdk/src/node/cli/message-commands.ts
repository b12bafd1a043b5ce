/**
 * `xlink send` and `xlink receive`: encrypt, sign and deliver a JSON payload through the relay;
 * verify and decrypt one envelope or pull the mailbox.
 *
 * Pitfall: `receive` acknowledges refused envelopes too (they would fail again) and exits 1
 * when every pulled envelope was refused.
 *
 * @module
 */
import { isPendingShares } from '../../agent-types.js';
import { envelopeToCompact, parseEnvelope } from '../../envelope.js';
import { RelayClient } from '../../relay-client.js';
import { EXIT_FAILED, EXIT_USAGE } from '../cli-kit/errors.js';
import { parseWholeNumber } from '../cli-kit/options.js';
import { loadKeystore } from './keystore.js';
import {
  type ConnectionOptions,
  keystoreOption,
  registryOption,
  relayOption,
  type XlinkContext,
} from './shared-options.js';

interface Shown {
  sender: string;
  scope: string;
  version: number;
  payload: unknown;
}

function show(m: { sender: string; scope: string; payload: unknown; version: number }): Shown {
  return {
    sender: m.sender,
    scope: m.scope,
    version: m.version,
    payload:
      m.payload instanceof Uint8Array
        ? { bytesBase64: Buffer.from(m.payload).toString('base64') }
        : m.payload,
  };
}

const line = (s: Shown) =>
  `from ${s.sender} [${s.scope}] v${s.version}: ${JSON.stringify(s.payload)}`;

/**
 * Adds `send` and `receive` to the program.
 * @param x the shared context (program, option resolvers)
 */
export function addMessageCommands(x: XlinkContext): void {
  const { cli } = x;

  cli.program
    .command('send')
    .description('encrypt, sign and deliver a JSON payload through the relay')
    .requiredOption('--to <did>', 'recipient DID')
    .requiredOption('--payload <json>', 'JSON object payload')
    .requiredOption('--scope <scope>', 'scope of the message')
    .addOption(keystoreOption())
    .addOption(registryOption())
    .addOption(relayOption())
    .action(async (o: ConnectionOptions & { to: string; payload: string; scope: string }) => {
      let payload: unknown;
      try {
        payload = JSON.parse(o.payload);
      } catch {
        cli.fail(
          {
            code: 'USAGE',
            message: '--payload is not JSON',
            hint: `e.g. --payload '{"amount":5}'`,
          },
          EXIT_USAGE,
        );
      }
      const ks = cli.unwrap(loadKeystore(x.keystorePath(o)));
      const agent = x.agentFrom(ks.identity, o);
      const r = cli.unwrap(
        await agent.send({ to: o.to, payload: payload as Record<string, unknown>, scope: o.scope }),
      );
      const compact = envelopeToCompact(cli.unwrap(parseEnvelope(r.envelope)));
      cli.print(`sent v${r.version} envelope to ${r.to} (nonce ${r.nonce})\n${compact}`, {
        to: r.to,
        version: r.version,
        nonce: r.nonce,
        envelope: compact,
      });
    });

  cli.program
    .command('receive')
    .description('verify and decrypt an envelope (--envelope) or pull the mailbox from the relay')
    .option('--envelope <compact>', 'compact (or JSON) envelope to open')
    .option('--wait <ms>', 'long-poll the relay this long when empty (default 0)', parseWholeNumber)
    .option('--limit <n>', 'at most this many messages (default 100)', parseWholeNumber)
    .option('--no-ack', 'leave pulled messages in the mailbox')
    .addOption(keystoreOption())
    .addOption(registryOption())
    .addOption(relayOption())
    .action(
      async (
        o: ConnectionOptions & { envelope?: string; wait?: number; limit?: number; ack: boolean },
      ) => {
        const ks = cli.unwrap(loadKeystore(x.keystorePath(o)));
        const agent = x.agentFrom(ks.identity, o);
        if (o.envelope !== undefined) {
          let env: unknown = o.envelope;
          if (o.envelope.trim().startsWith('{')) {
            try {
              env = JSON.parse(o.envelope);
            } catch {
              cli.fail(
                {
                  code: 'USAGE',
                  message: '--envelope is not JSON',
                  hint: 'Pass the compact form or a JSON envelope',
                },
                EXIT_USAGE,
              );
            }
          }
          const m = cli.unwrap(await agent.receive(env as string));
          if (isPendingShares(m)) return cli.print(`pending share ${m.received}/${m.threshold}`, m);
          const s = show(m);
          return cli.print(line(s), { messages: [s] });
        }
        const relay = new RelayClient({ baseUrl: x.relayUrl(o), signer: ks.identity });
        const pulled = cli.unwrap(await relay.pull({ limit: o.limit ?? 100, waitMs: o.wait ?? 0 }));
        const messages: Shown[] = [];
        const rejected: unknown[] = [];
        const ackIds: string[] = [];
        for (const p of pulled) {
          const m = await agent.receive(p.envelope as string);
          ackIds.push(p.id); // refused envelopes are dropped too (they would fail again)
          if (!m.ok)
            rejected.push({
              id: p.id,
              code: m.error.code,
              subCode: m.error.subCode,
              message: m.error.message,
            });
          else if (!isPendingShares(m.value)) messages.push(show(m.value));
        }
        if (o.ack && ackIds.length) cli.unwrap(await relay.ack(ackIds));
        const lines = messages.map(line);
        for (const r of rejected) lines.push(`rejected ${JSON.stringify(r)}`);
        cli.print(lines.length ? lines.join('\n') : 'no messages', { messages, rejected });
        if (rejected.length && !messages.length) cli.setExitCode(EXIT_FAILED);
      },
    );
}
