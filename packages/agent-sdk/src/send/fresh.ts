/**
 * Send step 7, `fresh`: the sealed envelope is still within the timestamp window by the
 * sender's clock now that sealing has ended (delivery-freshness.ts checkSealedFreshness).
 * The timestamp is taken after encryption (it is not AES-GCM additional data:
 * docs/formats.md#envelope), so only signing runs after it; this step is the guarantee that a
 * message that signing made stale fails at `send`, with the cause, never later at the receiver.
 *
 * @module
 */
import { checkSealedFreshness } from '../delivery-freshness.js';
import type { SendStep } from './context.js';

/**
 * @returns `TIMESTAMP_EXPIRED:STALE_AT_SEND` when the envelope was older than `timestampWindowMs`
 *   once sealed
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
