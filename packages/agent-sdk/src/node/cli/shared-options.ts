/**
 * What several `xlink` commands share: the keystore / registry / relay / admin-token options
 * (flag, else `XLINK_*` variable) and building an `Agent` from them.
 *
 * @module
 */
import { Agent } from '../../agent.js';
import type { DeliveryOptions } from '../../delivery-freshness.js';
import { HttpTrustRegistry } from '../../http-trust-registry.js';
import { HttpsTransportAdapter } from '../../https-transport.js';
import type { AgentIdentity } from '../../identity.js';
import { MemoryNonceStore, type NonceStore } from '../../nonce-store.js';
import { payloadLimitFromEnv } from '../../size-policy.js';
import type { ShareBufferOptions } from '../../split-channel/share-buffer.js';
import type { ShareSpool } from '../../split-channel/share-spool.js';
import { EXIT_USAGE } from '../cli-kit/errors.js';
import { envOption } from '../cli-kit/options.js';
import type { CliProgram } from '../cli-kit/program.js';
import { defaultKeystorePath } from './keystore.js';

/** Options a command may carry (after env fallback). */
export interface ConnectionOptions {
  keystore?: string;
  registry?: string;
  relay?: string;
  adminToken?: string;
}

/** `--keystore <path>` (env `XLINK_KEYSTORE`). */
export const keystoreOption = () =>
  envOption(
    '--keystore <path>',
    'keystore file (default <config dir>/xlink/keystore.json)',
    'XLINK_KEYSTORE',
  );
/** `--registry <url>` (env `XLINK_REGISTRY_URL`). */
export const registryOption = () =>
  envOption('--registry <url>', 'registry base URL', 'XLINK_REGISTRY_URL');
/** `--relay <url>` (env `XLINK_RELAY_URL`). */
export const relayOption = () =>
  envOption('--relay <url>', 'relay base URL (default: the registry)', 'XLINK_RELAY_URL');
/** `--admin-token <token>` (env `XLINK_ADMIN_TOKEN`). */
export const adminTokenOption = () =>
  envOption('--admin-token <token>', 'registry admin bearer token', 'XLINK_ADMIN_TOKEN');

/** What a receiving command adds to its agent (cli/replay-state.ts). */
export interface ReceivingParts {
  readonly nonceStore: NonceStore;
  readonly delivery: DeliveryOptions;
  readonly timestampWindowMs: number;
  readonly shareSpool?: ShareSpool;
  readonly splitChannel?: ShareBufferOptions;
}

/** Resolvers over a command's options; the registry URL is required where it is used. */
export interface XlinkContext {
  readonly cli: CliProgram;
  keystorePath(o: ConnectionOptions): string;
  registryUrl(o: ConnectionOptions): string;
  relayUrl(o: ConnectionOptions): string;
  /**
   * An Agent over HTTP registry + relay.
   * @param identity the keystore identity
   * @param o the command's options (registry, relay, admin token)
   * @param name display name used when registering
   * @param scopes scopes used when registering
   * @param receiving receive-side state: durable nonce store, trusted relays, direct window (ms)
   */
  agentFrom(
    identity: AgentIdentity,
    o: ConnectionOptions,
    name?: string,
    scopes?: string[],
    receiving?: ReceivingParts,
  ): Agent;
}

/**
 * Builds the shared resolvers.
 * @param cli the program (its env and `fail`)
 * @returns the context commands receive
 */
export function xlinkContext(cli: CliProgram): XlinkContext {
  const registryUrl = (o: ConnectionOptions): string =>
    o.registry ??
    cli.fail(
      {
        code: 'USAGE',
        message: 'no registry URL',
        hint: 'Pass --registry <url> or set XLINK_REGISTRY_URL',
      },
      EXIT_USAGE,
    );
  const relayUrl = (o: ConnectionOptions) => o.relay ?? registryUrl(o);
  return {
    cli,
    keystorePath: (o) => o.keystore ?? defaultKeystorePath(cli.env),
    registryUrl,
    relayUrl,
    agentFrom: (identity, o, name, scopes, receiving) =>
      Agent.fromParts({
        identity,
        ...(name !== undefined ? { name } : {}),
        ...(scopes ? { scopes } : {}),
        // one size setting for every command (size-policy.ts)
        maxPayloadBytes: cli.unwrap(payloadLimitFromEnv(cli.env)),
        nonceStore: receiving?.nonceStore ?? new MemoryNonceStore(),
        ...(receiving
          ? {
              delivery: receiving.delivery,
              timestampWindowMs: receiving.timestampWindowMs,
              ...(receiving.shareSpool ? { shareSpool: receiving.shareSpool } : {}),
              ...(receiving.splitChannel ? { splitChannel: receiving.splitChannel } : {}),
            }
          : {}),
        registry: new HttpTrustRegistry({
          baseUrl: registryUrl(o),
          signer: identity,
          ...(o.adminToken ? { authToken: o.adminToken } : {}),
        }),
        transport: new HttpsTransportAdapter({ baseUrl: relayUrl(o) }),
      }),
  };
}
