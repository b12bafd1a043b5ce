/**
 * What a mailbox owner does with a relayed message that `receive()` refused (the delivery
 * contract, docs/formats.md#delivery-contract): a TRANSIENT failure leaves it queued at the relay
 * (not acked, pulled again later); a PERMANENT rejection acks it with its code, so the relay
 * deletes it and keeps the code in the mailbox's dead-letter list for the TTL.
 *
 * @module
 */
import type { XlinkErrorDetail } from './errors.js';
import type { RelayMessage, RelayRejection } from './relay-client.js';

/** Codes that may succeed on a later attempt (registry or store unreachable, relay errors). */
export const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'LOOKUP_FAILED',
  'NETWORK_ERROR',
  'NONCE_STORE_FULL',
  'SEND_FAILED',
]);

/**
 * Classifies a refusal.
 * @param e the error `receive()` returned
 * @returns `retry` (leave queued) for transient codes, a receiver clock behind the sender's
 *   (`TIMESTAMP_EXPIRED:FUTURE`) and a full share buffer (`PAYLOAD_TOO_LARGE:SHARE_BUFFER_FULL`);
 *   `reject` (ack with the code) for everything else: bad signature, revoked or unknown sender,
 *   replay, expired, malformed, scope denied, undecryptable
 */
export function dispositionOf(e: XlinkErrorDetail): 'retry' | 'reject' {
  if (TRANSIENT_CODES.has(e.code)) return 'retry';
  if (e.code === 'TIMESTAMP_EXPIRED' && e.subCode === 'FUTURE') return 'retry';
  if (e.code === 'PAYLOAD_TOO_LARGE' && e.subCode === 'SHARE_BUFFER_FULL') return 'retry';
  return 'reject';
}

/**
 * The rejection record reported with an ack.
 * @param meta the relayed message
 * @param e the permanent error
 * @returns `{ id, code, subCode?, message }`
 */
export function rejectionOf(meta: RelayMessage, e: XlinkErrorDetail): RelayRejection {
  return {
    id: meta.id,
    code: e.code,
    ...(e.subCode !== undefined ? { subCode: e.subCode } : {}),
    message: e.message,
  };
}
