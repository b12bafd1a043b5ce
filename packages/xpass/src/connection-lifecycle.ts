/**
 * Connection lifecycle: create a connection (and, when distributed, its first split), move it
 * through the state machine (activate, suspend, grace, revoke, reactivate; see
 * state-machine.ts), and force a rotation of the current epoch's split. Every step is
 * serialized per connection and logged to the audit chain.
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import type { BillingContext } from './billing-context.js';
import {
  type CreateConnectionOptions,
  type CreatedConnection,
  toPublic,
  type XpassConnection,
} from './billing-types.js';
import { createConnectionId, sortDids } from './connection-id.js';
import type { ConnectionRecord } from './connection-store.js';
import { epochAt } from './epoch.js';
import { makeSplit } from './epoch-split.js';
import { type XpassError, xpassErr } from './errors.js';
import type { XpassShare } from './share-envelope.js';
import {
  applyTransition,
  checkIssuable,
  effectiveStatus,
  type Transition,
} from './state-machine.js';

/**
 * Creates a connection between two DIDs for a scope (`createConnection`).
 * @param didA one agent's DID
 * @param didB the other's
 * @param scope 1..128 printable ASCII bytes
 * @param options `{ status?: 'active' | 'pending', distribute?, onProgress?, actor? }`
 * @returns metadata, plus `share1`/`share2` (for `didA`/`didB` of the result, i.e. sorted)
 *   when active and `distribute` is on; or `INVALID_INPUT`, `CONNECTION_ALREADY_EXISTS`,
 *   `CONNECTION_ID_COLLISION` (same id, different tuple), `SECRET_GENERATION_FAILED`,
 *   `SPLIT_FAILED`, `STORE_FAILED`
 */
export async function createConnection(
  ctx: BillingContext,
  didA: string,
  didB: string,
  scope: string,
  options: CreateConnectionOptions = {},
): Promise<Result<CreatedConnection, XpassError>> {
  options.onProgress?.({ stage: 'generating_connection_id' });
  const id = createConnectionId(didA, didB, scope);
  if (!id.ok) return id;
  const status = options.status ?? 'active';
  if (status !== 'active' && status !== 'pending')
    return xpassErr('INVALID_INPUT', "status must be 'active' or 'pending'", { field: 'status' });
  const connectionId = id.value;
  return ctx.serialize(connectionId, async () => {
    let existing: ConnectionRecord | undefined;
    try {
      existing = await ctx.store.get(connectionId);
    } catch (e) {
      return xpassErr('STORE_FAILED', `store.get failed: ${(e as Error)?.message ?? String(e)}`);
    }
    const [lo, hi] = sortDids(didA, didB);
    if (existing) {
      if (existing.didA !== lo || existing.didB !== hi || existing.scope !== scope)
        return xpassErr(
          'CONNECTION_ID_COLLISION',
          `connection id ${connectionId} already belongs to another (didA, didB, scope)`,
        );
      return xpassErr('CONNECTION_ALREADY_EXISTS', `connection ${connectionId} already exists`, {
        metadata: { connectionId },
      });
    }
    const now = ctx.clock();
    let record: ConnectionRecord = {
      connectionId,
      didA: lo,
      didB: hi,
      scope,
      status,
      createdAt: now,
      updatedAt: now,
      graceUntil: null,
      reason: null,
      splits: [],
    };
    let shares: [XpassShare, XpassShare] | undefined;
    if (status === 'active' && options.distribute !== false) {
      const e = epochAt(now, ctx.epochs);
      if (!e.ok) return e;
      const s = makeSplit(ctx, record, e.value, options.onProgress);
      if (!s.ok) return s;
      shares = s.value.shares;
      record = { ...record, splits: [{ ...s.value.split, pending: [null, null] }] };
    }
    const saved = await ctx.save(record);
    if (!saved.ok) return saved;
    ctx.log('create', connectionId, {
      actor: options.actor ?? null,
      detail: `${status} ${scope}`,
    });
    if (shares) {
      const epoch = record.splits[0]!.epoch;
      options.onProgress?.({ stage: 'distributing', shareIndex: 1 });
      ctx.log('issue_share', connectionId, {
        epoch,
        actor: lo,
        detail: 'share 0 (createConnection)',
      });
      options.onProgress?.({ stage: 'distributing', shareIndex: 2 });
      ctx.log('issue_share', connectionId, {
        epoch,
        actor: hi,
        detail: 'share 1 (createConnection)',
      });
    }
    options.onProgress?.({ stage: 'complete', progress: 100 });
    const pub = toPublic(record, now);
    return ok(shares ? { ...pub, share1: shares[0], share2: shares[1] } : pub);
  });
}

/**
 * Applies a state-machine transition and drops undelivered shares unless the result is ACTIVE.
 * @param t the transition; `reason` at most 512 characters; `actor` defaults to `admin`
 * @returns the connection, or `INVALID_INPUT`, `INVALID_TRANSITION`, `CONNECTION_NOT_FOUND`,
 *   `STORE_FAILED`
 */
export async function transition(
  ctx: BillingContext,
  connectionId: string,
  t: Transition,
  reason: string | undefined,
  actor: string | undefined,
): Promise<Result<XpassConnection, XpassError>> {
  if (reason !== undefined && (typeof reason !== 'string' || reason.length > 512))
    return xpassErr('INVALID_INPUT', 'reason must be a string of at most 512 characters', {
      field: 'reason',
    });
  return ctx.serialize(connectionId, async () => {
    const loaded = await ctx.load(connectionId);
    if (!loaded.ok) return loaded;
    const r = loaded.value;
    const now = ctx.clock();
    const from = effectiveStatus(r.status, r.graceUntil, now);
    const to = applyTransition(from, t);
    if (!to.ok) return to;
    // Suspension, revocation and grace drop undelivered shares: they are never handed out.
    const keepSplits = to.value === 'active';
    const next: ConnectionRecord = {
      ...r,
      status: to.value,
      updatedAt: now,
      graceUntil: t === 'grace' ? now + ctx.graceMs : null,
      reason: reason ?? null,
      splits: keepSplits
        ? r.splits
        : r.splits.map((s) => ({ ...s, pending: [null, null] as [null, null] })),
    };
    const saved = await ctx.save(next);
    if (!saved.ok) return saved;
    ctx.log(t, connectionId, { actor: actor ?? 'admin', detail: reason ?? null });
    return ok(toPublic(next, now));
  });
}

/**
 * Forces a new split for the current epoch (admin "rotate"): undelivered shares are dropped
 * and both agents must fetch again. Only in ACTIVE or GRACE.
 * @returns the connection, or `CONNECTION_NOT_FOUND`, `BILLING_REQUIRED`, `CONNECTION_SUSPENDED`, `CONNECTION_REVOKED`
 */
export async function rotate(
  ctx: BillingContext,
  connectionId: string,
  actor?: string,
): Promise<Result<XpassConnection, XpassError>> {
  return ctx.serialize(connectionId, async () => {
    const loaded = await ctx.load(connectionId);
    if (!loaded.ok) return loaded;
    const r = loaded.value;
    const now = ctx.clock();
    const issuable = checkIssuable(effectiveStatus(r.status, r.graceUntil, now), connectionId);
    if (!issuable.ok) return issuable;
    const e = epochAt(now, ctx.epochs);
    if (!e.ok) return e;
    const next = { ...r, updatedAt: now, splits: r.splits.filter((s) => s.epoch !== e.value) };
    const saved = await ctx.save(next);
    if (!saved.ok) return saved;
    ctx.log('rotate', connectionId, {
      epoch: e.value,
      actor: actor ?? 'admin',
      detail: 'forced rotation',
    });
    return ok(toPublic(next, now));
  });
}
