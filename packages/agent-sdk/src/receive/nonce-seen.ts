/**
 * Receive step 4, `nonce-seen`: a read-only replay check. The nonce is recorded only after the
 * signatures verify (record-nonce.ts): recording it here would let anyone who sees an envelope
 * in transit burn its nonce with a forged copy, or fill the store with junk.
 *
 * @module
 */
import type { Result } from 'xorida';
import { type XlinkErrorDetail, xlinkErr } from '../errors.js';
import { base64urlEncode } from '../lib/codec.js';
import type { ReceiveStep } from './context.js';

/** The `REPLAY_DETECTED` answer (shared with record-nonce.ts). */
export function replayDetected(): Result<never, XlinkErrorDetail> {
  return xlinkErr(
    'REPLAY_DETECTED',
    'nonce already seen from this sender',
    'Never resend an envelope; send a new one',
    { field: 'nonce' },
  );
}

/**
 * Sets `nonceKey` (`<sender DID>|<base64url nonce>`) and looks it up.
 * @returns `REPLAY_DETECTED` when the nonce store holds it, else `undefined`
 */
export const nonceSeenStep: ReceiveStep = async (ctx, s) => {
  const env = s.env!;
  s.nonceKey = `${env.sender}|${base64urlEncode(env.nonce)}`;
  return (await ctx.config.nonceStore.has(s.nonceKey)) ? replayDetected() : undefined;
};
