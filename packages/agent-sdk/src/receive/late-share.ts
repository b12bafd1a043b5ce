/**
 * Receive step 2, `late-share`: the remaining shares of an already delivered split-channel or
 * Xchange message are acknowledged as `pending` (`delivered: true`) before the costly checks.
 * Nothing is recorded or returned from them, so a forged late share gains nothing.
 *
 * @module
 */
import { ok } from 'xorida';
import { base64urlEncode } from '../lib/codec.js';
import { latePending } from '../split-channel/receive.js';
import { lateXchangePart } from '../xchange.js';
import { decodeXchangePart } from '../xchange-part.js';
import type { ReceiveStep } from './context.js';

/**
 * Recognises a late Xchange part by its group record in the nonce store, and a late share
 * envelope by the (derived) nonce the share buffer remembered.
 * @returns `ok(PendingShares)` for a late share; `undefined` otherwise
 */
export const lateShareStep: ReceiveStep = async (ctx, s) => {
  const env = s.env!;
  if (s.xchangePart) {
    s.xchangeDecoded = decodeXchangePart(env.ciphertext, env.ciphertext.length);
    const late = await lateXchangePart(ctx.config.nonceStore, env, s.xchangeDecoded);
    if (late) return ok(late);
  }
  // A synchronous map lookup for every other envelope.
  const lateShare = ctx.shareBuffer.lateShare(env.sender, base64urlEncode(env.nonce));
  return lateShare ? ok(latePending(env.sender, lateShare)) : undefined;
};
