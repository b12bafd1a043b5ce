/**
 * Read-only views of connections: billing status, one connection, the connections of a DID,
 * and the admin listing.
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import type { BillingContext } from './billing-context.js';
import {
  type ListOptions,
  toPublic,
  type XpassBillingStatus,
  type XpassConnection,
} from './billing-types.js';
import { checkConnectionId, checkDid, checkScope } from './connection-id.js';
import { type ConnectionRecord, MemoryConnectionStore } from './connection-store.js';
import { type XpassError, xpassErr } from './errors.js';
import { effectiveStatus } from './state-machine.js';

/**
 * `checkBilling`: status without a share operation.
 * @param connectionId 64 hex
 * @returns status, current epoch, next boundary (Unix ms), ms remaining, grace remaining; or
 *   `CONNECTION_NOT_FOUND`, `INVALID_INPUT`, `STORE_FAILED`
 */
export async function checkBilling(
  ctx: BillingContext,
  connectionId: string,
): Promise<Result<XpassBillingStatus, XpassError>> {
  const store = ctx.store;
  let r: ConnectionRecord | undefined;
  if (store instanceof MemoryConnectionStore) {
    const id = checkConnectionId(connectionId);
    if (!id.ok) return id;
    r = store.getSync(connectionId);
    if (!r) return xpassErr('CONNECTION_NOT_FOUND', `no connection ${connectionId}`);
  } else {
    const loaded = await ctx.load(connectionId);
    if (!loaded.ok) return loaded;
    r = loaded.value;
  }
  return ok(billingStatusOf(ctx, r));
}

/** The billing status of a record at the current time. */
export function billingStatusOf(ctx: BillingContext, r: ConnectionRecord): XpassBillingStatus {
  const now = ctx.clock();
  const status = effectiveStatus(r.status, r.graceUntil, now);
  const currentEpoch = Math.floor(now / ctx.epochs.epochMs);
  const nextEpochBoundary = (currentEpoch + 1) * ctx.epochs.epochMs;
  const graceRemainingMs =
    status === 'grace' && r.graceUntil !== null ? Math.max(0, r.graceUntil - now) : null;
  return {
    connectionId: r.connectionId,
    status,
    currentEpoch,
    nextEpochBoundary,
    epochRemainingMs: nextEpochBoundary - now,
    graceRemainingMs,
    daysUntilRevocation:
      graceRemainingMs === null ? null : Math.floor(graceRemainingMs / 86_400_000),
    sharesIssued: status === 'active' || status === 'grace',
  };
}

/**
 * `listConnections`: connections a DID is party to.
 * @param did the DID
 * @param options `{ scope?, status?, epoch? }` filters (status is the effective status)
 * @returns the connections (creation order), or `INVALID_INPUT`, `STORE_FAILED`
 */
export async function listConnections(
  ctx: BillingContext,
  did: string,
  options: ListOptions = {},
): Promise<Result<XpassConnection[], XpassError>> {
  const d = checkDid(did);
  if (!d.ok) return d;
  if (options.scope !== undefined) {
    const s = checkScope(options.scope);
    if (!s.ok) return s;
  }
  let all: readonly ConnectionRecord[];
  try {
    all = await ctx.store.list();
  } catch (e) {
    return xpassErr('STORE_FAILED', `store.list failed: ${(e as Error)?.message ?? String(e)}`);
  }
  const now = ctx.clock();
  return ok(
    all
      .filter((r) => r.didA === did || r.didB === did)
      .filter((r) => options.scope === undefined || r.scope === options.scope)
      .filter((r) => options.epoch === undefined || r.splits.some((s) => s.epoch === options.epoch))
      .map((r) => toPublic(r, now))
      .filter((c) => options.status === undefined || c.status === options.status),
  );
}

/**
 * One connection's metadata.
 * @returns the connection or `CONNECTION_NOT_FOUND`, `INVALID_INPUT`, `STORE_FAILED`
 */
export async function getConnection(
  ctx: BillingContext,
  connectionId: string,
): Promise<Result<XpassConnection, XpassError>> {
  const loaded = await ctx.load(connectionId);
  return loaded.ok ? ok(toPublic(loaded.value, ctx.clock())) : loaded;
}

/**
 * Every connection (admin listing).
 * @returns all connections or `STORE_FAILED`
 */
export async function allConnections(
  ctx: BillingContext,
): Promise<Result<XpassConnection[], XpassError>> {
  try {
    const now = ctx.clock();
    return ok((await ctx.store.list()).map((r) => toPublic(r, now)));
  } catch (e) {
    return xpassErr('STORE_FAILED', `store.list failed: ${(e as Error)?.message ?? String(e)}`);
  }
}
