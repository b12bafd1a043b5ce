/**
 * When a recipient accepts an envelope's timestamp (the delivery contract, agent-sdk README
 * "Delivery guarantees", docs/formats.md#delivery-contract):
 * - direct delivery (HTTP to the peer, loopback, `--envelope`): the envelope timestamp lies within
 *   +-`windowMs` of the recipient's clock (default 30 s);
 * - relayed delivery with a deposit receipt signed by a TRUSTED relay (relay-receipt.ts): the
 *   timestamp lay within +-`windowMs` of the relay's clock at deposit (the relay checked; checked
 *   again here), and the recipient's clock is not past the receipt's expiry (capped at the
 *   recipient's own `relayTtlMs`) plus `windowMs` of skew.
 * Replay protection covers the longest of these: nonces are kept {@link nonceRetentionMs}.
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import type { Envelope } from './envelope-model.js';
import { type XlinkErrorDetail, xlinkErr } from './errors.js';
import { type RelayReceipt, verifyRelayReceipt } from './relay-receipt.js';

/** Default direct window, ms (the agent's `DEFAULT_TIMESTAMP_WINDOW_MS`). */
export const DEFAULT_DIRECT_WINDOW_MS = 30_000;
/** Default time a relay holds a message, ms (7 days); equals the relay store's default TTL. */
export const DEFAULT_DELIVERY_RELAY_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** Agent option `delivery`: which relays' receipts extend acceptance, and for how long. */
export interface DeliveryOptions {
  /** did:key of relays whose deposit receipts are trusted (default none: direct window only). */
  readonly trustedRelays?: readonly string[];
  /** Longest acceptance after a deposit, ms (default 7 days; receipts claiming more are capped). */
  readonly relayTtlMs?: number;
}

/** How an accepted envelope arrived. */
export interface Freshness {
  /** `relay` when a trusted receipt extended the window, else `direct`. */
  readonly path: 'direct' | 'relay';
  /** The verified receipt (relay path only). */
  readonly receipt?: RelayReceipt;
}

const expired = (message: string, subCode: string, hint = 'Check clocks (NTP) or resend') =>
  xlinkErr('TIMESTAMP_EXPIRED', message, hint, { subCode, field: 'timestamp' });

/**
 * The direct-window check (also what the relay applies at deposit with its own clock).
 * @param timestamp envelope timestamp, ms
 * @param now clock, ms
 * @param windowMs accepted difference, ms
 * @returns ok, or `TIMESTAMP_EXPIRED` (`STALE` / `FUTURE`)
 */
export function checkWindow(
  timestamp: number,
  now: number,
  windowMs: number,
): Result<void, XlinkErrorDetail> {
  if (timestamp < now - windowMs)
    return expired('envelope is older than the timestamp window', 'STALE');
  if (timestamp > now + windowMs)
    return expired('envelope timestamp is in the future beyond the window', 'FUTURE');
  return ok(undefined);
}

/**
 * The send-side freshness check, made once the envelope is sealed. The timestamp is taken after
 * encryption (docs/formats.md#envelope) but before signing, which must cover it; a signing (or,
 * for split-channel, the sealing of the later shares) that took longer than the window would
 * produce an envelope every recipient (and the relay, at deposit) refuses as stale. The sender
 * refuses it first, with the cause.
 * @param timestamp the sealed envelope's timestamp, ms
 * @param now the sender's clock when sealing ended, ms
 * @param windowMs the sender's `timestampWindowMs`, ms
 * @returns ok, or `TIMESTAMP_EXPIRED` subCode `STALE_AT_SEND`
 */
export function checkSealedFreshness(
  timestamp: number,
  now: number,
  windowMs: number,
): Result<void, XlinkErrorDetail> {
  if (now - timestamp <= windowMs) return ok(undefined);
  return expired(
    `the envelope was ${now - timestamp} ms old once sealed, longer than the ${windowMs} ms timestamp window: the recipient would refuse it as stale`,
    'STALE_AT_SEND',
    'Send less data, or raise timestampWindowMs (XLINK_TIMESTAMP_WINDOW_MS) on every side',
  );
}

/**
 * Decides whether an envelope is fresh enough (see module doc).
 * @param env the parsed envelope
 * @param now recipient clock, ms
 * @param windowMs direct window, ms
 * @param receipt deposit receipt JSON handed out with a relayed message (untrusted), or undefined
 * @param delivery trusted relays and TTL
 * @returns the path taken, or `TIMESTAMP_EXPIRED` (`STALE`, `FUTURE`, `RELAY_EXPIRED`,
 *   `DEPOSIT_STALE`), `VERIFICATION_FAILED:RELAY_RECEIPT_INVALID` (a receipt naming a trusted
 *   relay that does not verify). A receipt of an untrusted relay is ignored (direct window).
 */
export function checkFreshness(
  env: Envelope,
  now: number,
  windowMs: number,
  receipt: unknown,
  delivery: DeliveryOptions | undefined,
): Result<Freshness, XlinkErrorDetail> {
  const trusted = delivery?.trustedRelays ?? [];
  if (receipt !== undefined && receipt !== null && trusted.length > 0) {
    const r = verifyRelayReceipt(receipt, env, trusted);
    if (r.ok) {
      const ttl = delivery?.relayTtlMs ?? DEFAULT_DELIVERY_RELAY_TTL_MS;
      const deposit = checkWindow(env.timestamp, r.value.at, windowMs);
      if (!deposit.ok)
        return expired(
          'envelope was already outside the window when the relay accepted it',
          'DEPOSIT_STALE',
          'The sender must deposit fresh envelopes',
        );
      if (r.value.at > now + windowMs)
        return expired('relay deposit time is in the future', 'FUTURE', 'Check clocks (NTP)');
      if (now > Math.min(r.value.exp, r.value.at + ttl) + windowMs)
        return expired('relayed envelope outlived the relay TTL', 'RELAY_EXPIRED', 'Resend');
      return ok({ path: 'relay', receipt: r.value });
    }
    if (r.error.subCode !== 'RELAY_NOT_TRUSTED') return r;
  }
  const w = checkWindow(env.timestamp, now, windowMs);
  return w.ok ? ok({ path: 'direct' }) : w;
}

/**
 * How long a nonce must be remembered so that no envelope can be accepted twice: while ANY path
 * could still accept it. With trusted relays a direct envelope could be deposited within its
 * window and pulled up to the TTL later, so every nonce is then kept TTL + 2 windows.
 * @param windowMs direct window, ms
 * @param delivery trusted relays and TTL
 * @returns retention, ms
 */
export function nonceRetentionMs(windowMs: number, delivery: DeliveryOptions | undefined): number {
  const direct = 2 * windowMs + 1000;
  if (!delivery?.trustedRelays?.length) return direct;
  return (delivery.relayTtlMs ?? DEFAULT_DELIVERY_RELAY_TTL_MS) + direct;
}
