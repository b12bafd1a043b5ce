/**
 * Public shapes of the billing service (connection metadata, billing status, verification,
 * options) and the record-to-metadata view. See billing-service.ts for the service itself.
 *
 * @module
 */
import type { AuditChain } from './audit-chain.js';
import type { ConnectionRecord, ConnectionStore } from './connection-store.js';
import type { XpassShare } from './share-envelope.js';
import { type ConnectionStatus, effectiveStatus } from './state-machine.js';

/** Public metadata of a connection (what `listConnections` and the server return). */
export interface XpassConnection {
  readonly connectionId: string;
  /** Lower DID (share index 0). */
  readonly didA: string;
  /** Higher DID (share index 1). */
  readonly didB: string;
  readonly scope: string;
  /** Effective status at the time of the call. */
  readonly status: ConnectionStatus;
  /** Unix ms. */
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly graceUntil: number | null;
  readonly reason: string | null;
  /** Most recent epoch a split was made for, or null. */
  readonly lastEpoch: number | null;
}

/** `createConnection` result: metadata plus, when distributed, both shares of the current epoch. */
export interface CreatedConnection extends XpassConnection {
  /** Share for `didA` (index 0), present when the connection is active and `distribute` is on. */
  readonly share1?: XpassShare;
  /** Share for `didB` (index 1). */
  readonly share2?: XpassShare;
}

/** `checkBilling` result. */
export interface XpassBillingStatus {
  readonly connectionId: string;
  readonly status: ConnectionStatus;
  /** Epoch containing `now`. */
  readonly currentEpoch: number;
  /** Unix ms of the next epoch boundary. */
  readonly nextEpochBoundary: number;
  /** ms until that boundary. */
  readonly epochRemainingMs: number;
  /** ms left in the grace period when in GRACE, else null. */
  readonly graceRemainingMs: number | null;
  /** Whole days until revocation when in GRACE (the original design's field), else null. */
  readonly daysUntilRevocation: number | null;
  /** Whether shares are issued in this status. */
  readonly sharesIssued: boolean;
}

/** `verifyConnection` result. */
export interface XpassVerification {
  readonly connectionId: string;
  readonly epoch: number;
  readonly shareIndex: 0 | 1;
  /** The DID the share was issued to. */
  readonly holder: string;
  readonly status: ConnectionStatus;
  /** ms until the share stops being accepted (end of epoch + overlap). */
  readonly epochRemainingMs: number;
}

/** `listConnections` filters. */
export interface ListOptions {
  readonly scope?: string;
  readonly status?: ConnectionStatus;
  /** Only connections with a split for this epoch. */
  readonly epoch?: number;
}

/** Progress of `createConnection` (the original API's stages). */
export interface CreateProgress {
  readonly stage:
    | 'generating_connection_id'
    | 'creating_secret'
    | 'splitting'
    | 'distributing'
    | 'complete';
  readonly progress?: number;
  /** 1 or 2 during `distributing`. */
  readonly shareIndex?: number;
}

/** Options of `createConnection`. */
export interface CreateConnectionOptions {
  /** Initial status: `active` (default, paid) or `pending` (awaiting payment, no shares). */
  readonly status?: 'active' | 'pending';
  /** Return both shares of the current epoch (default true, library use). The server passes false: agents fetch their own. */
  readonly distribute?: boolean;
  readonly onProgress?: (event: CreateProgress) => void;
  /** Who asked (audit `actor`). */
  readonly actor?: string;
}

/** Options of {@link BillingService.create}. */
export interface BillingServiceOptions {
  /** 32-byte Ed25519 seed of the billing server's signing key; random when omitted. */
  readonly signingSeed?: Uint8Array;
  /** Epoch length in ms (whole seconds); default 24 h. */
  readonly epochMs?: number;
  /** Overlap in ms (whole seconds); default 15 min. */
  readonly overlapMs?: number;
  /** Grace period in ms; default 72 h. */
  readonly graceMs?: number;
  /** Metadata store; default a fresh {@link MemoryConnectionStore}. */
  readonly store?: ConnectionStore;
  /** Audit chain to append to; default none (events are not logged). */
  readonly audit?: AuditChain;
  /** Clock, Unix ms; default `Date.now`. */
  readonly now?: () => number;
}

/** The public metadata of a stored record, with its effective status at `now` (Unix ms). */
export function toPublic(r: ConnectionRecord, now: number): XpassConnection {
  const last = r.splits[r.splits.length - 1];
  return {
    connectionId: r.connectionId,
    didA: r.didA,
    didB: r.didB,
    scope: r.scope,
    status: effectiveStatus(r.status, r.graceUntil, now),
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    graceUntil: r.graceUntil,
    reason: r.reason,
    lastEpoch: last ? last.epoch : null,
  };
}
