/**
 * Send step 7, `fresh`: the sealed envelope is still within the timestamp window by the
 * sender's clock now that encryption has ended (delivery-freshness.ts checkSealedFreshness).
 * The timestamp is AES-GCM additional data (docs/formats.md#envelope) and stays there: it is taken
 * right before encryption (decision and measurements: docs/formats.md#delivery-contract,
 * "Timestamp and sealing time"); this step is the guarantee: a message that sealing made stale
 * fails at `send`, with the cause, never later at the receiver.
 *
 * @module
 */
import { checkSealedFreshness } from '../delivery-freshness.js';
import type { SendStep } from './context.js';

/**
 * @returns `TIMESTAMP_EXPIRED:STALE_AT_SEND` when sealing took longer than `timestampWindowMs`
 *   (not checked for a `testing.timestamp` given by the caller), else `undefined`
 */
export const freshStep: SendStep = (ctx, s) => {
  // A caller-chosen timestamp (testing.timestamp) is deliberate: it may be crafted stale.
  if (s.options.testing?.timestamp !== undefined) return undefined;
  const fresh = checkSealedFreshness(
    s.envelope!.timestamp,
    (s.options.testing?.now ?? Date.now)(),
    ctx.config.timestampWindowMs,
  );
  return fresh.ok ? undefined : fresh;
};
