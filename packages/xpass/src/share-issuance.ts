/**
 * Share issuance, the enforcement checkpoint: hand one party its share of an epoch (making or
 * rotating the split as needed), and verify a share a holder presents against the connection.
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import type { BillingContext } from './billing-context.js';
import type { XpassVerification } from './billing-types.js';
import { checkDid } from './connection-id.js';
import type { SplitRecord } from './connection-store.js';
import { checkEpochWindow, epochAt } from './epoch.js';
import { makeSplit } from './epoch-split.js';
import { type XpassError, xpassErr } from './errors.js';
import {
  shareEnvelopeFromBase45,
  verifyShareSignature,
  type XpassShare,
} from './share-envelope.js';
import { checkIssuable, effectiveStatus } from './state-machine.js';

/**
 * Issues `did`'s share of the connection for an epoch (the enforcement checkpoint).
 * @param connectionId 64 hex
 * @param did one of the connection's two DIDs (the caller must have authenticated it)
 * @param options `{ epoch? }`: default the epoch containing now; the next epoch is available
 *   from `overlapMs` before it starts
 * @returns the share envelope, or `CONNECTION_NOT_FOUND`, `REQUEST_REJECTED:NOT_A_PARTY`,
 *   `BILLING_REQUIRED`, `CONNECTION_SUSPENDED`, `CONNECTION_REVOKED`, `EPOCH_NOT_READY`,
 *   `EPOCH_EXPIRED`, `SECRET_GENERATION_FAILED`, `SPLIT_FAILED`, `STORE_FAILED`, `INVALID_INPUT`
 */
export async function issueShare(
  ctx: BillingContext,
  connectionId: string,
  did: string,
  options: { epoch?: number } = {},
): Promise<Result<XpassShare, XpassError>> {
  const d = checkDid(did);
  if (!d.ok) return d;
  return ctx.serialize(connectionId, async () => {
    const loaded = await ctx.load(connectionId);
    if (!loaded.ok) return loaded;
    let r = loaded.value;
    const now = ctx.clock();
    const party = did === r.didA ? 0 : did === r.didB ? 1 : -1;
    if (party !== 0 && party !== 1)
      return xpassErr('REQUEST_REJECTED', `${did} is not a party of connection ${connectionId}`, {
        subCode: 'NOT_A_PARTY',
      });
    const status = effectiveStatus(r.status, r.graceUntil, now);
    if (status !== r.status) {
      r = { ...r, status, updatedAt: now, reason: 'grace_expired', splits: [] };
      const saved = await ctx.save(r);
      if (!saved.ok) return saved;
      ctx.log('revoke', connectionId, { actor: 'system', detail: 'grace_expired' });
    }
    const issuable = checkIssuable(status, connectionId);
    if (!issuable.ok) return issuable;
    const index: 0 | 1 = party;
    let epoch: number;
    if (options.epoch === undefined) {
      const e = epochAt(now, ctx.epochs);
      if (!e.ok) return e;
      epoch = e.value;
    } else {
      if (!Number.isInteger(options.epoch) || options.epoch < 0 || options.epoch > 0xffff_ffff)
        return xpassErr('INVALID_INPUT', 'epoch must be a uint32', { field: 'epoch' });
      epoch = options.epoch;
    }
    const w = checkEpochWindow(epoch, ctx.epochs, now);
    if (!w.ok) return w;
    const existing = r.splits.find((s) => s.epoch === epoch);
    let share: XpassShare;
    let splits: SplitRecord[];
    const pendingText = existing?.pending[index];
    if (existing && typeof pendingText === 'string') {
      const decoded = shareEnvelopeFromBase45(pendingText);
      if (!decoded.ok) return decoded;
      share = decoded.value;
      const pending: [string | null, string | null] = [existing.pending[0], existing.pending[1]];
      pending[index] = null;
      splits = r.splits.map((s) => (s === existing ? { ...s, pending } : s));
    } else {
      const made = makeSplit(ctx, r, epoch);
      if (!made.ok) return made;
      share = made.value.shares[index]!;
      const pending: [string | null, string | null] = [
        made.value.split.pending[0],
        made.value.split.pending[1],
      ];
      pending[index] = null;
      if (existing)
        ctx.log('rotate', connectionId, {
          epoch,
          actor: did,
          detail: 'share requested again: new split',
        });
      splits = [...r.splits.filter((s) => s.epoch !== epoch), { ...made.value.split, pending }]
        .sort((a, b) => a.epoch - b.epoch)
        .slice(-2);
    }
    const saved = await ctx.save({ ...r, splits, updatedAt: now });
    if (!saved.ok) return saved;
    ctx.log('issue_share', connectionId, { epoch, actor: did, detail: `share ${index}` });
    return ok(share);
  });
}

/**
 * `verifyConnection`: is this share valid for the connection now? Checks the
 * server signature for the DID of the share's index, the epoch window and the status.
 * @param connectionId 64 hex
 * @param share a decoded envelope
 * @returns verification details, or `CONNECTION_NOT_FOUND`, `RECONSTRUCTION_FAILED:CONNECTION_MISMATCH`,
 *   `HMAC_VERIFICATION_FAILED`, `EPOCH_EXPIRED`, `EPOCH_NOT_READY`, `BILLING_REQUIRED`,
 *   `CONNECTION_SUSPENDED`, `CONNECTION_REVOKED`
 */
export async function verifyConnection(
  ctx: BillingContext,
  connectionId: string,
  share: XpassShare,
): Promise<Result<XpassVerification, XpassError>> {
  const loaded = await ctx.load(connectionId);
  if (!loaded.ok) return loaded;
  const r = loaded.value;
  if (share?.connectionId !== connectionId)
    return xpassErr('RECONSTRUCTION_FAILED', 'the share belongs to another connection', {
      subCode: 'CONNECTION_MISMATCH',
    });
  const holder = share.index === 0 ? r.didA : r.didB;
  const sig = verifyShareSignature(share, ctx.publicKey, holder);
  if (!sig.ok) return sig;
  const now = ctx.clock();
  const w = checkEpochWindow(share.epoch, share, now);
  if (!w.ok) return w;
  const status = effectiveStatus(r.status, r.graceUntil, now);
  const issuable = checkIssuable(status, connectionId);
  if (!issuable.ok) return issuable;
  return ok({
    connectionId,
    epoch: share.epoch,
    shareIndex: share.index,
    holder,
    status,
    epochRemainingMs: w.value.validUntilMs - now,
  });
}
