/**
 * Send step 5, `split` (only when the policy chose n > 1): the payload goes out as k-of-n
 * shares, one envelope each, over the agent's transports: split-channel (split-channel/send.ts)
 * or Xchange (xchange.ts). It answers with the receipt; the single-envelope steps are skipped.
 *
 * @module
 */
import { ok } from 'xorida';
import { checkSealedFreshness } from '../delivery-freshness.js';
import { xlinkErr } from '../errors.js';
import { sendSplitChannel } from '../split-channel/send.js';
import { sendXchange } from '../xchange.js';
import type { SendState, SendStep } from './context.js';

/**
 * The encoded payload, let go by the send state (not read after this step): no local of this
 * step holds it while the split path runs, which drops it once the last share is dealt.
 */
function takePlaintext(s: SendState): Uint8Array {
  const plaintext = s.plaintext!;
  s.plaintext = undefined;
  return plaintext;
}

/**
 * Reports progress `splitting`, `sending` (per share) and `complete`.
 * @returns `undefined` for n = 1; else the receipt (`split` lists every share envelope and the
 *   failed transports), `INVALID_OPTIONS:xchange` (agent without `xchange: true`),
 *   `SEND_FAILED:BELOW_THRESHOLD` (fewer than k shares accepted), or a seal error
 */
export const splitStep: SendStep = async (ctx, s) => {
  const decision = s.decision!;
  if (decision.n <= 1) return undefined;
  const options = s.options;
  if (options.xchange && !ctx.config.xchange)
    return xlinkErr(
      'INVALID_OPTIONS',
      'send({ xchange: true }) needs an agent created with xchange: true',
      'Create both agents with { xchange: true }',
      { field: 'xchange' },
    );
  const { k, n } = decision;
  const transports = ctx.config.transports;
  if (transports.length < n && !ctx.routingWarning.given) {
    ctx.routingWarning.given = true;
    ctx.config.logger.warn?.('split-channel.shared-transport', {
      transports: transports.length,
      shares: n,
      message: `${n} shares over ${transports.length} transport(s): channels are not independent`,
    });
  }
  const progress = options.onProgress;
  const common = {
    identity: ctx.identity,
    scope: options.scope,
    k,
    n,
    transports,
    // each share is stamped after its encryption (seal.ts); a test's fixed timestamp wins
    ...(options.testing?.timestamp !== undefined ? { timestamp: options.testing.timestamp } : {}),
    now: options.testing?.now ?? Date.now,
    // refuse what signing made stale (the stamp is taken before signing)
    ...(options.testing?.timestamp === undefined
      ? {
          checkSealed: (t: number) =>
            checkSealedFreshness(
              t,
              (options.testing?.now ?? Date.now)(),
              ctx.config.timestampWindowMs,
            ),
        }
      : {}),
    ...(progress
      ? {
          onSplitting: () => progress({ stage: 'splitting', current: 1, total: 1 }),
          onSending: (current: number, total: number) =>
            progress({ stage: 'sending', current, total }),
        }
      : {}),
  };
  const recipient = s.recipient!.doc;
  const r = options.xchange
    ? await sendXchange({ ...common, plaintext: takePlaintext(s), recipientDid: recipient.did })
    : // encoded by the validate step with SEAL_ROOM: the secret is built around it
      // (split-channel/integrity.ts), no second full-size buffer, and it goes once dealt
      await sendSplitChannel({
        ...common,
        plaintext: takePlaintext(s),
        recipient,
        version: s.version!,
        plaintextInPlace: true,
      });
  if (!r.ok) return r;
  if (progress) await progress({ stage: 'complete', current: 1, total: 1 });
  const first = r.value.envelopes[r.value.delivered[0] ?? 0]!;
  return ok({
    envelope: first,
    version: first.version,
    to: options.to,
    nonce: first.nonce,
    security: decision,
    split: r.value,
  });
};
