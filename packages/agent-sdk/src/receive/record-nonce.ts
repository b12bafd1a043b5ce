/**
 * Receive step 9, `record-nonce`: the authenticated envelope's nonce is stored atomically
 * (set-if-absent, nonce-store.ts), so of two concurrent copies exactly one goes on.
 *
 * @module
 */
import { nonceRetentionMs } from '../delivery-freshness.js';
import type { ReceiveStep } from './context.js';
import { replayDetected } from './nonce-seen.js';

/**
 * Records `nonceKey` for 2 x timestampWindowMs + 1 000 ms, plus the relay TTL when a relay is
 * trusted (delivery-freshness.ts nonceRetentionMs): long enough that no path still accepts the
 * envelope when the record expires.
 * @returns `REPLAY_DETECTED`, `NONCE_STORE_FULL`, or `undefined`
 */
export const recordNonceStep: ReceiveStep = async (ctx, s) => {
  const ttlMs = nonceRetentionMs(ctx.config.timestampWindowMs, ctx.config.delivery);
  const stored = await ctx.config.nonceStore.checkAndStore(s.nonceKey!, ttlMs);
  if (!stored.ok) return stored;
  return stored.value === 'replay' ? replayDetected() : undefined;
};
