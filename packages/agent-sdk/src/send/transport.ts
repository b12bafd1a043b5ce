/**
 * Send step 8, `transport`: the envelope goes out on the agent's first transport
 * (transport.ts), and the receipt is returned.
 *
 * @module
 */
import { ok } from 'xorida';
import type { SendStep } from './context.js';

/**
 * Reports progress `sending`, then `complete`.
 * @returns the receipt, or the transport's `SEND_FAILED` / `NETWORK_ERROR`
 */
export const transportStep: SendStep = async (ctx, s) => {
  const options = s.options;
  const progress = options.onProgress;
  const envelope = s.envelope!;
  if (progress) await progress({ stage: 'sending', current: 1, total: 1 });
  const sent = await ctx.config.transport.send(envelope, options.to);
  if (!sent.ok) return sent;
  if (progress) await progress({ stage: 'complete', current: 1, total: 1 });
  return ok({
    envelope,
    version: s.version!,
    to: options.to,
    nonce: envelope.nonce,
    security: s.decision!,
  });
};
