/**
 * Makes one epoch's split: 32 random bytes, split 2-of-2 with xorida, both envelopes signed for
 * their recipient DIDs, the commitment computed, the secret and derived keys wiped.
 * Formats: docs/formats.md#xpass.
 *
 * @module
 */

import { backend } from '@xorida/agent-sdk/crypto';
import { bytesToHex, hexToBytes, ok, type Result, split, wipe } from 'xorida';
import type { BillingContext } from './billing-context.js';
import type { CreateProgress } from './billing-types.js';
import type { ConnectionRecord, SplitRecord } from './connection-store.js';
import { type XpassError, xpassErr } from './errors.js';
import {
  computeCommitment,
  deriveEpochKeys,
  sealShareEnvelope,
  shareEnvelopeToBase45,
  type XpassShare,
} from './share-envelope.js';

/**
 * Makes a new split for `epoch`; both envelopes pending.
 * @param ctx the service state (signing key, epoch timing, clock)
 * @param r the connection record
 * @param epoch uint32 epoch number
 * @param given a 32-byte secret to split instead of a fresh random one (copied, not wiped)
 * @returns the split record and both share envelopes (index 0 for `didA`), or
 *   `SECRET_GENERATION_FAILED`, `SPLIT_FAILED`, or a sealing error
 */
export function makeSplit(
  ctx: BillingContext,
  r: ConnectionRecord,
  epoch: number,
  onProgress?: (e: CreateProgress) => void,
  given?: Uint8Array,
): Result<{ split: SplitRecord; shares: [XpassShare, XpassShare] }, XpassError> {
  onProgress?.({ stage: 'creating_secret' });
  let secret: Uint8Array;
  try {
    // A caller-supplied secret (splitForConnection) is copied: the copy is wiped below.
    secret = given ? given.slice() : backend.randomBytes(32);
  } catch (e) {
    return xpassErr(
      'SECRET_GENERATION_FAILED',
      `CSPRNG failed: ${(e as Error)?.message ?? String(e)}`,
    );
  }
  onProgress?.({ stage: 'splitting', progress: 0 });
  const parts = split(secret, { threshold: 2, shares: 2 });
  if (!parts.ok) {
    wipe(secret);
    return xpassErr('SPLIT_FAILED', `xorida split failed: ${parts.error.message}`);
  }
  onProgress?.({ stage: 'splitting', progress: 100 });
  const cid = hexToBytes(r.connectionId);
  const keys = deriveEpochKeys(secret, cid, epoch);
  const splitId = parts.value[0]!.groupId;
  const commitment = computeCommitment(keys.commitKey, cid, epoch, splitId);
  wipe(secret, keys.commitKey, keys.messageKey);
  const fields = {
    connectionId: r.connectionId,
    epoch,
    epochMs: ctx.epochs.epochMs,
    overlapMs: ctx.epochs.overlapMs,
    commitment,
  };
  const a = sealShareEnvelope({ ...fields, share: parts.value[0]! }, r.didA, ctx.sign);
  const b = sealShareEnvelope({ ...fields, share: parts.value[1]! }, r.didB, ctx.sign);
  wipe(parts.value[0]!.payload, parts.value[1]!.payload);
  if (!a.ok) return a;
  if (!b.ok) return b;
  const rec: SplitRecord = {
    epoch,
    splitId: bytesToHex(splitId),
    pending: [shareEnvelopeToBase45(a.value), shareEnvelopeToBase45(b.value)],
    createdAt: ctx.clock(),
  };
  return ok({ split: rec, shares: [a.value, b.value] });
}
