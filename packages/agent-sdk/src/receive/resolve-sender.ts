/**
 * Receive step 5, `resolve-sender`: the sender's registry entry and its key document, verified
 * against the sender's DID (verified-peers.ts).
 *
 * @module
 */
import { xlinkErr } from '../errors.js';
import type { ReceiveStep } from './context.js';

/**
 * Sets `sender`.
 * @returns `VERIFICATION_FAILED` (`DID_NOT_IN_REGISTRY`, `BAD_KEY_DOCUMENT`), the registry's
 *   own error (e.g. `LOOKUP_FAILED`), or `undefined`
 */
export const resolveSenderStep: ReceiveStep = async (ctx, s) => {
  const peer = await ctx.peers.resolve(s.env!.sender);
  if (peer.ok) {
    s.sender = peer.value;
    return undefined;
  }
  if (peer.error.code === 'DID_NOT_IN_REGISTRY')
    return xlinkErr(
      'VERIFICATION_FAILED',
      'sender DID is not in the trust registry',
      'Register the sender first',
      { subCode: 'DID_NOT_IN_REGISTRY', field: 'sender' },
    );
  if (peer.error.code === 'INVALID_KEY_DOCUMENT' || peer.error.code === 'INVALID_DID')
    return xlinkErr(
      'VERIFICATION_FAILED',
      `sender key document rejected: ${peer.error.message}`,
      'Re-register the sender',
      { subCode: 'BAD_KEY_DOCUMENT', field: 'sender' },
    );
  return peer;
};
