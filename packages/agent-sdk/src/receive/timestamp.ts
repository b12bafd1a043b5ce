/**
 * Receive step 3, `timestamp`: the sender's timestamp lies within the receiver's window, or
 * within the relay TTL for a relayed envelope with a trusted deposit receipt.
 *
 * @module
 */
import type { Result } from 'xorida';
import { checkFreshness, checkWindow } from '../delivery-freshness.js';
import type { XlinkErrorDetail } from '../errors.js';
import type { ReceiveStep } from './context.js';

/**
 * Checks an envelope timestamp against the receiver's clock; both ends of the window are
 * inclusive.
 * @param timestamp the envelope's timestamp, ms since the Unix epoch
 * @param now the receiver's clock, ms since the Unix epoch
 * @param windowMs accepted difference in either direction, ms
 * @returns ok, or `TIMESTAMP_EXPIRED` with subCode `STALE` (older than `now - windowMs`) or
 *   `FUTURE` (newer than `now + windowMs`)
 */
export function checkTimestamp(
  timestamp: number,
  now: number,
  windowMs: number,
): Result<void, XlinkErrorDetail> {
  return checkWindow(timestamp, now, windowMs);
}

/**
 * The envelope's freshness (delivery-freshness.ts): {@link checkTimestamp}'s direct window with the
 * agent's `timestampWindowMs`, or the relay TTL when `options.relayReceipt` verifies against
 * `delivery.trustedRelays`; the clock is the receive option `now`
 * (default `Date.now()`).
 * @returns `TIMESTAMP_EXPIRED` (`STALE`, `FUTURE`, `RELAY_EXPIRED`, `DEPOSIT_STALE`),
 *   `VERIFICATION_FAILED:RELAY_RECEIPT_INVALID`, or `undefined`
 */
export const timestampStep: ReceiveStep = (ctx, s) => {
  // A relayed envelope with a trusted deposit receipt stays acceptable for the relay TTL;
  // everything else gets the direct window (delivery-freshness.ts, docs/formats.md).
  const r = checkFreshness(
    s.env!,
    s.options.now ?? Date.now(),
    ctx.config.timestampWindowMs,
    s.options.relayReceipt,
    ctx.config.delivery,
  );
  return r.ok ? undefined : r;
};
