/**
 * Receive step 9, `record-nonce`: the authenticated envelope's nonce is stored atomically
 * (set-if-absent, nonce-store.ts), so of two concurrent copies exactly one goes on.
 *
 * @module
 */
import type { ReceiveStep } from './context.js';
import { replayDetected } from './nonce-seen.js';

/**
 * Records `nonceKey` for 2 x timestampWindowMs + 1 000 ms: long enough that the envelope is
 * stale (timestamp step) before the record expires.
 * @returns `REPLAY_DETECTED`, `NONCE_STORE_FULL`, or `undefined`
 */
export const recordNonceStep: ReceiveStep = async (ctx, s) => {
  const ttlMs = 2 * ctx.config.timestampWindowMs + 1000;
  const stored = await ctx.config.nonceStore.checkAndStore(s.nonceKey!, ttlMs);
  if (!stored.ok) return stored;
  return stored.value === 'replay' ? replayDetected() : undefined;
};
