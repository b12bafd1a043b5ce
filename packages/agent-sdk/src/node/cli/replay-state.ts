/**
 * The `xlink` CLI's durable receive state (docs/formats.md#delivery-contract):
 * - the nonce store: in Redis when `XLINK_REDIS_URL` or `REDIS_URL` is set (`SET NX EX`, expiry =
 *   retention, keys `<XLINK_REDIS_KEY_PREFIX or xlink:>cli-nonce:…`), else a {@link FileNonceStore} next to the keystore
 *   (`<keystore dir>/<keystore name>.nonces.jsonl`, 0600, fsync'ed, pruned after the retention);
 * - the delivery options: relays whose deposit receipts are trusted (`XLINK_TRUSTED_RELAYS`,
 *   comma-separated did:key; else the key the configured relay publishes at `/relay/key`), and
 *   the direct window (`XLINK_TIMESTAMP_WINDOW_MS`, default 30 000).
 * - the share spool (split-channel/share-spool.ts): buffered split-channel shares in
 *   `<keystore dir>/<keystore name>.shares/` (0700, files 0600), so a share acked at the relay
 *   before its group completed survives the end of the run; incomplete groups expire
 *   `XLINK_SHARE_GROUP_TIMEOUT_MS` (default 30 000) after their first share arrived.
 * So one envelope is accepted once across any number of CLI runs, for as long as any path could
 * deliver it, and no share is lost between runs.
 *
 * @module
 */
import { basename, dirname, join } from 'node:path';
import { Redis } from 'ioredis';
import { err, ok, type Result } from 'xorida';
import {
  DEFAULT_DELIVERY_RELAY_TTL_MS,
  DEFAULT_DIRECT_WINDOW_MS,
  type DeliveryOptions,
  nonceRetentionMs,
} from '../../delivery-freshness.js';
import type { NonceStore } from '../../nonce-store.js';
import type { RelayClient } from '../../relay-client.js';
import { DEFAULT_SHARE_BUFFER } from '../../split-channel/share-buffer.js';
import type { CliErrorDetail } from '../cli-kit/errors.js';
import { FileNonceStore } from '../file-nonce-store.js';
import { RedisNonceStore } from '../redis-nonce-store.js';

/** An opened nonce store and how to release it. */
export interface ReplayState {
  readonly nonceStore: NonceStore;
  /** `file:<path>` or `redis`. */
  readonly where: string;
  close(): Promise<void>;
}

/**
 * Path of the nonce file belonging to a keystore.
 * @param keystorePath the keystore file
 * @returns `<dir>/<name without .json>.nonces.jsonl`
 */
export function nonceFileFor(keystorePath: string): string {
  return join(dirname(keystorePath), `${basename(keystorePath, '.json')}.nonces.jsonl`);
}

/**
 * The direct window from the environment.
 * @param env `XLINK_TIMESTAMP_WINDOW_MS` (integer ms, 1..86 400 000)
 * @returns ms, or a usage error
 */
export function windowFromEnv(
  env: Record<string, string | undefined>,
): Result<number, CliErrorDetail> {
  return msFromEnv(env, 'XLINK_TIMESTAMP_WINDOW_MS', DEFAULT_DIRECT_WINDOW_MS);
}

/**
 * The split-group timeout from the environment.
 * @param env `XLINK_SHARE_GROUP_TIMEOUT_MS` (integer ms, 1..86 400 000)
 * @returns ms (default the share buffer's 30 000), or a usage error
 */
export function shareGroupTimeoutFromEnv(
  env: Record<string, string | undefined>,
): Result<number, CliErrorDetail> {
  return msFromEnv(env, 'XLINK_SHARE_GROUP_TIMEOUT_MS', DEFAULT_SHARE_BUFFER.groupTimeoutMs);
}

function msFromEnv(
  env: Record<string, string | undefined>,
  name: string,
  fallback: number,
): Result<number, CliErrorDetail> {
  const raw = env[name];
  if (raw === undefined || raw === '') return ok(fallback);
  const n = /^[0-9]{1,8}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(n >= 1 && n <= 86_400_000))
    return err({
      code: 'USAGE',
      message: `${name} must be an integer in 1..86400000`,
      hint: `e.g. ${name}=${fallback}`,
    });
  return ok(n);
}

/**
 * Directory of the share spool belonging to a keystore.
 * @param keystorePath the keystore file
 * @returns `<dir>/<name without .json>.shares`
 */
export function shareSpoolDirFor(keystorePath: string): string {
  return join(dirname(keystorePath), `${basename(keystorePath, '.json')}.shares`);
}

/**
 * Opens the nonce store (see module doc).
 * @param keystorePath the keystore file (the nonce file goes next to it)
 * @param env environment (`XLINK_REDIS_URL`, `REDIS_URL`)
 * @param minRetentionMs lower bound of every entry's lifetime, ms
 * @returns the store, or `STORAGE_FAILED` (Redis unreachable, nonce file locked or corrupt)
 */
export async function openReplayState(
  keystorePath: string,
  env: Record<string, string | undefined>,
  minRetentionMs: number,
): Promise<Result<ReplayState, CliErrorDetail>> {
  const url = env.XLINK_REDIS_URL || env.REDIS_URL;
  if (url) {
    const client = new Redis(url, { maxRetriesPerRequest: 2, lazyConnect: true });
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (e) {
      client.disconnect();
      return err({
        code: 'STORAGE_FAILED',
        message: `Redis unreachable at ${url}: ${(e as Error).message}`,
        hint: 'Start Redis, or unset REDIS_URL / XLINK_REDIS_URL to use the nonce file',
      });
    }
    const store = new RedisNonceStore({
      client,
      keyPrefix: `${env.XLINK_REDIS_KEY_PREFIX || 'xlink:'}cli-nonce:`,
      ttlSeconds: Math.ceil(minRetentionMs / 1000),
    });
    return ok({
      nonceStore: store,
      where: 'redis',
      close: async () => {
        await client.quit().catch(() => client.disconnect());
      },
    });
  }
  const path = nonceFileFor(keystorePath);
  const s = await FileNonceStore.openWithRetry({ path, minRetentionMs });
  if (!s.ok)
    return err({
      code: 'STORAGE_FAILED',
      message: s.error.message,
      hint: `${s.error.hint} (nonce file ${path})`,
    });
  return ok({ nonceStore: s.value, where: `file:${path}`, close: () => s.value.close() });
}

/**
 * The delivery options of a receiving CLI run.
 * @param env `XLINK_TRUSTED_RELAYS` (comma-separated did:key; pins the relay keys)
 * @param relay the configured relay, asked for its key when nothing is pinned
 * @returns trusted relays (possibly none) and the default 7-day TTL
 */
export async function deliveryFromEnv(
  env: Record<string, string | undefined>,
  relay: RelayClient | undefined,
): Promise<DeliveryOptions> {
  const pinned = (env.XLINK_TRUSTED_RELAYS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('did:key:'));
  if (pinned.length) return { trustedRelays: pinned, relayTtlMs: DEFAULT_DELIVERY_RELAY_TTL_MS };
  if (!relay) return {};
  const k = await relay.relayKey();
  return k.ok ? { trustedRelays: [k.value], relayTtlMs: DEFAULT_DELIVERY_RELAY_TTL_MS } : {};
}

/**
 * Retention the nonce store must give every entry for these options.
 * @param windowMs direct window, ms
 * @returns ms (relay TTL + two windows: a CLI may trust a relay on any later run)
 */
export function cliRetentionMs(windowMs: number): number {
  return nonceRetentionMs(windowMs, { trustedRelays: ['*'] });
}
