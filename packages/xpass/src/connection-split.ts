/**
 * `generateConnectionSecret` and `splitForConnection`: the original design's two-step names for
 * what the billing service otherwise does in one step when an agent fetches its share (a fresh
 * 32-byte secret, split 2-of-2 with xorida, each half sealed in a share envelope signed for its
 * DID; docs/formats.md#xpass). They serve a vendor that hands out both shares itself.
 *
 * Pitfalls:
 * - The split is not stored as the epoch's split: agents that fetch from the service get the
 *   service's own split. The two returned envelopes reconstruct on their own
 *   (`reconstructSecret`, `decryptWithShares`); the audit chain records that both were issued.
 * - Whoever holds both envelopes holds the secret: give each DID only its own share.
 *
 * @module
 */
import { backend } from '@xorida/agent-sdk/crypto';
import { ok, type Result } from 'xorida';
import type { BillingContext } from './billing-context.js';
import { checkConnectionId } from './connection-id.js';
import { checkEpochWindow } from './epoch.js';
import { makeSplit } from './epoch-split.js';
import { type XpassError, xpassErr } from './errors.js';
import type { XpassShare } from './share-envelope.js';
import { checkIssuable, effectiveStatus } from './state-machine.js';

/** A fresh connection secret for one connection and epoch. */
export interface GeneratedConnectionSecret {
  /** 32 random bytes. Secret: split it, then wipe it. */
  readonly secret: Uint8Array;
  readonly connectionId: string;
  readonly epoch: number;
}

/** Both share envelopes of one split. */
export interface ConnectionShares {
  readonly connectionId: string;
  readonly epoch: number;
  /** For the connection's `didA` (the lower DID). */
  readonly share1: XpassShare;
  /** For `didB`. */
  readonly share2: XpassShare;
}

function checkEpoch(epoch: unknown): Result<number, XpassError> {
  if (typeof epoch !== 'number' || !Number.isInteger(epoch) || epoch < 0 || epoch > 0xffff_ffff)
    return xpassErr('INVALID_INPUT', 'epoch must be a uint32 epoch number', { field: 'epoch' });
  return ok(epoch);
}

/**
 * Makes a 32-byte connection secret (CSPRNG of the one crypto backend).
 * @param connectionId 64 lowercase hex (`createConnectionId`)
 * @param epoch uint32 epoch number (`epochAt`)
 * @returns `{ secret, connectionId, epoch }`, or `INVALID_INPUT` (field `connectionId`, `epoch`),
 *   `SECRET_GENERATION_FAILED`
 */
export function generateConnectionSecret(
  connectionId: string,
  epoch: number,
): Result<GeneratedConnectionSecret, XpassError> {
  const id = checkConnectionId(connectionId);
  if (!id.ok) return id;
  const e = checkEpoch(epoch);
  if (!e.ok) return e;
  try {
    return ok({ secret: backend.randomBytes(32), connectionId: id.value, epoch: e.value });
  } catch (x) {
    return xpassErr('SECRET_GENERATION_FAILED', `CSPRNG failed: ${(x as Error)?.message ?? x}`);
  }
}

/**
 * Splits a connection secret 2-of-2 into the two signed share envelopes of a connection that
 * exists in the service and is billable now (see module doc).
 * @param ctx the service state
 * @param secret 32 bytes (not modified)
 * @param connectionId 64 hex
 * @param epoch uint32, inside its issue window (`overlapMs` around the epoch)
 * @returns `{ connectionId, epoch, share1, share2 }`, or `INVALID_INPUT` (field `secret`,
 *   `connectionId`, `epoch`), `CONNECTION_NOT_FOUND`, `BILLING_REQUIRED`, `CONNECTION_SUSPENDED`,
 *   `CONNECTION_REVOKED`, `EPOCH_EXPIRED`, `EPOCH_NOT_READY`, `SPLIT_FAILED`
 */
export async function splitForConnection(
  ctx: BillingContext,
  secret: Uint8Array,
  connectionId: string,
  epoch: number,
): Promise<Result<ConnectionShares, XpassError>> {
  if (!(secret instanceof Uint8Array) || secret.length !== 32)
    return xpassErr('INVALID_INPUT', 'secret must be 32 bytes (generateConnectionSecret)', {
      field: 'secret',
    });
  const id = checkConnectionId(connectionId);
  if (!id.ok) return id;
  const e = checkEpoch(epoch);
  if (!e.ok) return e;
  return ctx.serialize(id.value, async () => {
    const loaded = await ctx.load(id.value);
    if (!loaded.ok) return loaded;
    const r = loaded.value;
    const now = ctx.clock();
    const issuable = checkIssuable(effectiveStatus(r.status, r.graceUntil, now), id.value);
    if (!issuable.ok) return issuable;
    const w = checkEpochWindow(e.value, ctx.epochs, now);
    if (!w.ok) return w;
    const made = makeSplit(ctx, r, e.value, undefined, secret);
    if (!made.ok) return made;
    ctx.log('issue_share', id.value, {
      epoch: e.value,
      actor: 'splitForConnection',
      detail: 'shares 0 and 1 of a caller-supplied secret',
    });
    const [share1, share2] = made.value.shares;
    return ok({ connectionId: id.value, epoch: e.value, share1, share2 });
  });
}
