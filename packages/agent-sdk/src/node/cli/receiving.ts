/**
 * The receiving side of an `xlink` run (`receive`, `listen`): the keystore's agent with the
 * durable receive state of cli/replay-state.ts (nonce store, trusted relays, direct window,
 * share spool and split-group timeout), and the relay client signed as it.
 *
 * @module
 */
import type { Agent } from '../../agent.js';
import { RelayClient } from '../../relay-client.js';
import { payloadLimitFromEnv } from '../../size-policy.js';
import { FileShareSpool } from '../file-share-spool.js';
import { loadKeystore } from './keystore.js';
import {
  cliRetentionMs,
  deliveryFromEnv,
  openReplayState,
  shareGroupTimeoutFromEnv,
  shareSpoolDirFor,
  windowFromEnv,
} from './replay-state.js';
import type { ConnectionOptions, XlinkContext } from './shared-options.js';

/** An opened receiving agent; `close()` releases the nonce store (and its file lock). */
export interface Receiving {
  readonly agent: Agent;
  /** Undefined when only a given envelope is opened (no relay needed). */
  readonly relay: RelayClient | undefined;
  close(): Promise<void>;
}

/**
 * Opens the receiving agent of the keystore in `o`.
 * @param x the shared context
 * @param o the command's connection options
 * @param withRelay whether the run talks to the relay (pull, listen, trusted relay key)
 * @returns the agent, relay client and `close`; fails the command (exit 1 / 2) on a bad keystore,
 *   environment setting or an unavailable nonce store
 */
export async function openReceiving(
  x: XlinkContext,
  o: ConnectionOptions,
  withRelay: boolean,
): Promise<Receiving> {
  const { cli } = x;
  const ksPath = x.keystorePath(o);
  const ks = cli.unwrap(loadKeystore(ksPath));
  const relay = withRelay
    ? new RelayClient({
        baseUrl: x.relayUrl(o),
        signer: ks.identity,
        maxPayloadBytes: cli.unwrap(payloadLimitFromEnv(cli.env)),
      })
    : undefined;
  const window = cli.unwrap(windowFromEnv(cli.env));
  const groupTimeoutMs = cli.unwrap(shareGroupTimeoutFromEnv(cli.env));
  const state = cli.unwrap(await openReplayState(ksPath, cli.env, cliRetentionMs(window)));
  try {
    const delivery = await deliveryFromEnv(cli.env, relay);
    const agent = x.agentFrom(ks.identity, o, undefined, undefined, {
      nonceStore: state.nonceStore,
      delivery,
      timestampWindowMs: window,
      shareSpool: new FileShareSpool(shareSpoolDirFor(ksPath)),
      splitChannel: { groupTimeoutMs },
    });
    return { agent, relay, close: () => state.close() };
  } catch (e) {
    await state.close();
    throw e;
  }
}
