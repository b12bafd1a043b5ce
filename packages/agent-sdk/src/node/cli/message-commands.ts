/**
 * `xlink send` and `xlink receive`: encrypt, sign and deliver a JSON payload through the relay;
 * verify and decrypt one envelope or pull the mailbox.
 *
 * Delivery (docs/formats.md#delivery-contract): `receive` keeps its nonces in a durable store
 * (cli/replay-state.ts), so an envelope is accepted once across runs; it accepts relayed
 * envelopes for the relay TTL when the relay's deposit receipt verifies against a trusted relay
 * key; it acks accepted messages and PERMANENT rejections (reported with their codes, kept in
 * the relay's dead-letter list) and leaves transient failures queued (`deferred`). It exits 1
 * when every pulled envelope was refused.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { isPendingShares } from '../../agent-types.js';
import { dispositionOf, rejectionOf } from '../../delivery-disposition.js';
import { envelopeToCompact, parseEnvelope } from '../../envelope.js';
import { RelayClient, type RelayRejection } from '../../relay-client.js';
import type { SecurityLevel } from '../../security-policy.js';
import { payloadLimitFromEnv } from '../../size-policy.js';
import { EXIT_FAILED, EXIT_USAGE } from '../cli-kit/errors.js';
import { parseWholeNumber } from '../cli-kit/options.js';
import { loadKeystore } from './keystore.js';
import { openReceiving } from './receiving.js';
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
    .option('--payload <json>', 'JSON object payload')
    .option('--payload-file <path>', 'read the JSON object payload from a file (large payloads)')
    .requiredOption('--scope <scope>', 'scope of the message')
    .option('--security <level>', 'auto | standard | high | critical (high: split-channel shares)')
    .addOption(keystoreOption())
    .addOption(registryOption())
    .addOption(relayOption())
    .action(
      async (
        o: ConnectionOptions & {
          to: string;
          payload?: string;
          payloadFile?: string;
          scope: string;
          security?: SecurityLevel;
        },
      ) => {
        if ((o.payload === undefined) === (o.payloadFile === undefined))
          cli.fail(
            {
              code: 'USAGE',
              message: 'pass exactly one of --payload and --payload-file',
              hint: `e.g. --payload '{"amount":5}'`,
            },
            EXIT_USAGE,
          );
        let payload: unknown;
        try {
          payload = JSON.parse(o.payload ?? readFileSync(o.payloadFile as string, 'utf8'));
        } catch (e) {
          cli.fail(
            {
              code: 'USAGE',
              message: `payload is not readable JSON: ${(e as Error).message.slice(0, 200)}`,
              hint: `e.g. --payload '{"amount":5}'`,
            },
            EXIT_USAGE,
          );
        }
        const ks = cli.unwrap(loadKeystore(x.keystorePath(o)));
        const agent = x.agentFrom(ks.identity, o);
        const r = cli.unwrap(
          await agent.send({
            to: o.to,
            payload: payload as Record<string, unknown>,
            scope: o.scope,
            ...(o.security !== undefined ? { security: o.security } : {}),
          }),
        );
        if (r.split) {
          // The shares are out, one per channel; a large message's shares were not kept (their
          // receipt envelopes carry no ciphertext), so no envelope is printed for them.
          const { mode, groupId, k, n, delivered, failed } = r.split;
          cli.print(
            `sent ${mode} message ${groupId} to ${r.to}: ${k}-of-${n} shares, delivered ${delivered.join(',')}${failed.length > 0 ? `, failed ${failed.map((f) => f.index).join(',')}` : ''}`,
            {
              to: r.to,
              version: r.version,
              nonce: r.nonce,
              split: { mode, groupId, k, n, delivered, failed },
            },
          );
          return;
        }
        const compact = envelopeToCompact(cli.unwrap(parseEnvelope(r.envelope)));
        cli.print(`sent v${r.version} envelope to ${r.to} (nonce ${r.nonce})\n${compact}`, {
          to: r.to,
          version: r.version,
          nonce: r.nonce,
          envelope: compact,
        });
      },
    );

  cli.program
    .command('receive')
    .description('verify and decrypt an envelope (--envelope) or pull the mailbox from the relay')
    .option('--envelope <compact>', 'compact (or JSON) envelope to open')
    .option('--wait <ms>', 'long-poll the relay this long when empty (default 0)', parseWholeNumber)
    .option('--limit <n>', 'at most this many messages (default 100)', parseWholeNumber)
    .option('--no-ack', 'leave pulled messages in the mailbox')
    .option('--dead-letters', "list the relay's dead-letter list (permanent rejections) and exit")
    .addOption(keystoreOption())
    .addOption(registryOption())
    .addOption(relayOption())
    .action(
      async (
        o: ConnectionOptions & {
          envelope?: string;
          wait?: number;
          limit?: number;
          ack: boolean;
          deadLetters?: boolean;
        },
      ) => {
        if (o.deadLetters && o.envelope === undefined) {
          const ks = cli.unwrap(loadKeystore(x.keystorePath(o)));
          const relay = new RelayClient({
            baseUrl: x.relayUrl(o),
            signer: ks.identity,
            maxPayloadBytes: cli.unwrap(payloadLimitFromEnv(cli.env)),
          });
          const list = cli.unwrap(await relay.deadLetters());
          const text = list.map((d) => JSON.stringify(d)).join('\n');
          return cli.print(text || 'no dead letters', { deadLetters: list });
        }
        const r = await openReceiving(x, o, o.envelope === undefined);
        try {
          await receiveAction(r.agent, r.relay, o);
        } finally {
          await r.close();
        }
      },
    );

  async function receiveAction(
    agent: ReturnType<XlinkContext['agentFrom']>,
    relay: RelayClient | undefined,
    o: { envelope?: string; wait?: number; limit?: number; ack: boolean },
  ): Promise<void> {
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
      const m = cli.unwrap(await agent.receive(env as string)); // direct: short window
      if (isPendingShares(m)) return cli.print(`pending share ${m.received}/${m.threshold}`, m);
      const s = show(m);
      return cli.print(line(s), { messages: [s] });
    }
    if (!relay) return;
    const messages: Shown[] = [];
    const rejected: RelayRejection[] = [];
    const deferred: RelayRejection[] = [];
    // A pull answer holds at most one full-size envelope's bytes (docs/formats.md#size-policy),
    // so the mailbox is pulled again, up to `limit` messages, while every message of the last
    // answer was acked: the shares of one large split-channel message come one per answer.
    // Unacked messages (--no-ack, transient failures) would come back, so they end the loop.
    let left = o.limit ?? 100;
    let waitMs = o.wait ?? 0;
    while (left > 0) {
      const pulled = cli.unwrap(await relay.pull({ limit: left, waitMs }));
      if (pulled.length === 0) break;
      const ackIds: string[] = [];
      const refused: RelayRejection[] = [];
      const before = deferred.length;
      for (const p of pulled) {
        const m = await agent.receive(p.envelope, {
          ...(p.receipt !== undefined ? { relayReceipt: p.receipt } : {}),
        });
        if (m.ok) {
          ackIds.push(p.id);
          if (!isPendingShares(m.value)) messages.push(show(m.value));
        } else if (dispositionOf(m.error) === 'reject') refused.push(rejectionOf(p, m.error));
        else deferred.push(rejectionOf(p, m.error)); // transient: stays queued at the relay
      }
      rejected.push(...refused);
      if (!o.ack) break;
      if (ackIds.length || refused.length) cli.unwrap(await relay.ack(ackIds, undefined, refused));
      if (deferred.length > before) break;
      left -= pulled.length;
      waitMs = 0;
    }
    // split groups restored from the share spool whose deadline had passed (INSUFFICIENT_SHARES)
    const expired = agent
      .takeExpiredShareGroups()
      .map(({ code, sender, groupId, received, threshold }) => ({
        code,
        sender,
        groupId,
        received,
        threshold,
      }));
    const lines = messages.map(line);
    for (const r of rejected) lines.push(`rejected ${JSON.stringify(r)}`);
    for (const r of deferred) lines.push(`deferred (left queued) ${JSON.stringify(r)}`);
    for (const r of expired) lines.push(`expired split group ${JSON.stringify(r)}`);
    cli.print(lines.length ? lines.join('\n') : 'no messages', {
      messages,
      rejected,
      ...(deferred.length ? { deferred } : {}),
      ...(expired.length ? { expired } : {}),
    });
    if ((rejected.length || deferred.length) && !messages.length) cli.setExitCode(EXIT_FAILED);
  }
}
