/**
 * Send step 2, `resolve-recipient`: the recipient's registry entry and key document, verified
 * against its DID (verified-peers.ts); revoked recipients are refused.
 *
 * @module
 */
import { xlinkErr } from '../errors.js';
import type { SendStep } from './context.js';

/**
 * Sets `recipient`.
 * @returns `DID_NOT_IN_REGISTRY`, `INVALID_KEY_DOCUMENT`, the registry's error (e.g.
 *   `LOOKUP_FAILED`), `VERIFICATION_FAILED:RECIPIENT_REVOKED`, the sender's own registration
 *   (sender-registration.ts: `VERIFICATION_FAILED:SENDER_NOT_REGISTERED`/`SENDER_REVOKED`,
 *   `SCOPE_DENIED:NOT_GRANTED`), or `undefined`
 */
export const resolveRecipientStep: SendStep = async (ctx, s) => {
  const peer = await ctx.peers.resolve(s.options.to);
  if (!peer.ok) return peer;
  if (peer.value.entry.status === 'revoked')
    return xlinkErr(
      'VERIFICATION_FAILED',
      'recipient DID is revoked',
      'Do not send to revoked peers',
      { subCode: 'RECIPIENT_REVOKED', field: 'to' },
    );
  // The peer would refuse an unregistered, revoked or not-granted sender: fail here, with a hint.
  const self = await ctx.senderCheck.check(ctx.config.registry, ctx.identity.did, s.options.scope);
  if (!self.ok) return self;
  s.recipient = peer.value;
  return undefined;
};
