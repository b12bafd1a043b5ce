/**
 * The billing service: the original API (`createConnection`, `verifyConnection`,
 * `revokeConnection`, `listConnections`, `checkBilling`) plus share issuance and the lifecycle
 * operations, over a {@link ConnectionStore}, with every event appended to the audit chain.
 * The `xpass serve` HTTP server is a thin layer over one instance of this class.
 *
 * This class is a facade: each operation is a step in its own module, over one shared
 * {@link BillingContext}: connection-lifecycle.ts (create, transitions, rotate),
 * share-issuance.ts (issue and verify shares), epoch-split.ts (make one epoch's split),
 * connection-queries.ts (status and listings).
 *
 * Each epoch's secret is generated when the first of the two agents asks for its share: 32
 * random bytes, split 2-of-2 with xorida, both envelopes signed for their recipient DIDs, the
 * commitment computed, the secret and derived keys wiped. The requester's envelope is returned;
 * the other waits in the store until its owner fetches it, then is deleted. Asking again for an
 * already delivered share rotates the split (a fresh secret; the peer must refetch), so a lost
 * response never strands an agent and no share is ever delivered twice.
 *
 * Pitfalls:
 * - Not safe for concurrent use across processes on one store (no locking); run one billing
 *   server per store, or shard by connection id.
 * - Operations on one connection are serialized inside one instance (a per-connection queue), so
 *   two concurrent fetches cannot both create a split.
 *
 * @module
 */

import { backend } from '@xorida/agent-sdk/crypto';
import { ok, type Result } from 'xorida';
import type { AuditChain } from './audit-chain.js';
import { BillingContext, type BillingContextInit } from './billing-context.js';
import type {
  BillingServiceOptions,
  CreateConnectionOptions,
  CreatedConnection,
  ListOptions,
  XpassBillingStatus,
  XpassConnection,
  XpassVerification,
} from './billing-types.js';
import { createConnection, rotate, transition } from './connection-lifecycle.js';
import {
  allConnections,
  billingStatusOf,
  checkBilling,
  getConnection,
  listConnections,
} from './connection-queries.js';
import { type ConnectionShares, splitForConnection } from './connection-split.js';
import type { ConnectionRecord, ConnectionStore } from './connection-store.js';
import { MemoryConnectionStore } from './connection-store.js';
import { type EpochConfig, epochConfig, epochWindow } from './epoch.js';
import { type XpassError, xpassErr } from './errors.js';
import type { XpassShare } from './share-envelope.js';
import { issueShare, verifyConnection } from './share-issuance.js';
import { DEFAULT_GRACE_MS } from './state-machine.js';

export type {
  BillingServiceOptions,
  CreateConnectionOptions,
  CreatedConnection,
  CreateProgress,
  ListOptions,
  XpassBillingStatus,
  XpassConnection,
  XpassVerification,
} from './billing-types.js';

/** The billing service (library form of the billing server). Create with {@link BillingService.create}. */
export class BillingService {
  /** The billing server's Ed25519 public key (32 bytes): holders verify shares with it. */
  readonly publicKey: Uint8Array;
  /** Epoch timing. */
  readonly epochs: EpochConfig;
  /** Grace period in ms. */
  readonly graceMs: number;
  readonly store: ConnectionStore;
  readonly audit: AuditChain | undefined;
  private readonly ctx: BillingContext;

  private constructor(o: BillingContextInit) {
    this.ctx = new BillingContext(o);
    this.publicKey = o.publicKey;
    this.epochs = o.epochs;
    this.graceMs = o.graceMs;
    this.store = o.store;
    this.audit = o.audit;
  }

  /**
   * Creates a billing service.
   * @param options signing seed, epoch/overlap/grace in ms, store, audit chain, clock
   * @returns the service, or `INVALID_INPUT` (field `signingSeed`, `epochMs`, `overlapMs`, `graceMs`)
   */
  static create(options: BillingServiceOptions = {}): Result<BillingService, XpassError> {
    const ep = epochConfig({
      ...(options.epochMs === undefined ? {} : { epochMs: options.epochMs }),
      ...(options.overlapMs === undefined ? {} : { overlapMs: options.overlapMs }),
    });
    if (!ep.ok) return ep;
    const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
    if (!Number.isSafeInteger(graceMs) || graceMs < 0)
      return xpassErr('INVALID_INPUT', 'graceMs must be a non-negative integer', {
        field: 'graceMs',
      });
    const seed = options.signingSeed ?? backend.randomBytes(32);
    if (!(seed instanceof Uint8Array) || seed.length !== 32)
      return xpassErr('INVALID_INPUT', 'signingSeed must be 32 bytes', { field: 'signingSeed' });
    const signer = backend.ed25519Signer(seed);
    return ok(
      new BillingService({
        sign: signer.sign,
        publicKey: signer.publicKey,
        epochs: ep.value,
        graceMs,
        store: options.store ?? new MemoryConnectionStore(),
        audit: options.audit,
        now: options.now ?? Date.now,
      }),
    );
  }

  /** Current time (Unix ms) from the injected clock. */
  now(): number {
    return this.ctx.clock();
  }

  /** Signs arbitrary bytes with the server key (share-fetch responses). Internal use. */
  signBytes(message: Uint8Array): Uint8Array {
    return this.ctx.sign(message);
  }

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
  createConnection(
    didA: string,
    didB: string,
    scope: string,
    options: CreateConnectionOptions = {},
  ): Promise<Result<CreatedConnection, XpassError>> {
    return createConnection(this.ctx, didA, didB, scope, options);
  }

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
  issueShare(
    connectionId: string,
    did: string,
    options: { epoch?: number } = {},
  ): Promise<Result<XpassShare, XpassError>> {
    return issueShare(this.ctx, connectionId, did, options);
  }

  /** PENDING -> ACTIVE (payment received). @returns the connection or `INVALID_TRANSITION`, `CONNECTION_NOT_FOUND` */
  activate(
    connectionId: string,
    reason?: string,
    actor?: string,
  ): Promise<Result<XpassConnection, XpassError>> {
    return transition(this.ctx, connectionId, 'activate', reason, actor);
  }
  /** ACTIVE -> SUSPENDED (payment lapsed; next shares refused). @returns the connection or `INVALID_TRANSITION`, `CONNECTION_NOT_FOUND` */
  suspend(
    connectionId: string,
    reason?: string,
    actor?: string,
  ): Promise<Result<XpassConnection, XpassError>> {
    return transition(this.ctx, connectionId, 'suspend', reason, actor);
  }
  /** SUSPENDED -> GRACE for `graceMs` (shares issued again meanwhile). @returns the connection or `INVALID_TRANSITION`, `CONNECTION_NOT_FOUND` */
  grace(
    connectionId: string,
    reason?: string,
    actor?: string,
  ): Promise<Result<XpassConnection, XpassError>> {
    return transition(this.ctx, connectionId, 'grace', reason, actor);
  }
  /** Any non-revoked status -> REVOKED. @returns the connection or `INVALID_TRANSITION`, `CONNECTION_NOT_FOUND` */
  revoke(
    connectionId: string,
    reason?: string,
    actor?: string,
  ): Promise<Result<XpassConnection, XpassError>> {
    return transition(this.ctx, connectionId, 'revoke', reason, actor);
  }
  /** SUSPENDED | GRACE | REVOKED -> ACTIVE (new payment). @returns the connection or `INVALID_TRANSITION`, `CONNECTION_NOT_FOUND` */
  reactivate(
    connectionId: string,
    reason?: string,
    actor?: string,
  ): Promise<Result<XpassConnection, XpassError>> {
    return transition(this.ctx, connectionId, 'reactivate', reason, actor);
  }

  /**
   * `revokeConnection`: permanently revoke (REVOKED until `reactivate`).
   * @param connectionId 64 hex
   * @param reason e.g. `subscription_cancelled` (<= 512 chars)
   * @returns `ok(undefined)` or `CONNECTION_NOT_FOUND`, `INVALID_TRANSITION` (already revoked)
   */
  async revokeConnection(
    connectionId: string,
    reason: string,
    actor?: string,
  ): Promise<Result<void, XpassError>> {
    const r = await this.revoke(connectionId, reason, actor);
    return r.ok ? ok(undefined) : r;
  }

  /**
   * Forces a new split for the current epoch (admin "rotate"): undelivered shares are dropped
   * and both agents must fetch again. Only in ACTIVE or GRACE.
   * @returns the connection, or `CONNECTION_NOT_FOUND`, `BILLING_REQUIRED`, `CONNECTION_SUSPENDED`, `CONNECTION_REVOKED`
   */
  rotate(connectionId: string, actor?: string): Promise<Result<XpassConnection, XpassError>> {
    return rotate(this.ctx, connectionId, actor);
  }

  /**
   * `checkBilling`: status without a share operation.
   * @param connectionId 64 hex
   * @returns status, current epoch, next boundary (Unix ms), ms remaining, grace remaining; or
   *   `CONNECTION_NOT_FOUND`, `INVALID_INPUT`, `STORE_FAILED`
   */
  checkBilling(connectionId: string): Promise<Result<XpassBillingStatus, XpassError>> {
    return checkBilling(this.ctx, connectionId);
  }

  /** The billing status of a record at the current time. */
  billingStatusOf(r: ConnectionRecord): XpassBillingStatus {
    return billingStatusOf(this.ctx, r);
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
  verifyConnection(
    connectionId: string,
    share: XpassShare,
  ): Promise<Result<XpassVerification, XpassError>> {
    return verifyConnection(this.ctx, connectionId, share);
  }

  /**
   * `listConnections`: connections a DID is party to.
   * @param did the DID
   * @param options `{ scope?, status?, epoch? }` filters (status is the effective status)
   * @returns the connections (creation order), or `INVALID_INPUT`, `STORE_FAILED`
   */
  listConnections(
    did: string,
    options: ListOptions = {},
  ): Promise<Result<XpassConnection[], XpassError>> {
    return listConnections(this.ctx, did, options);
  }

  /**
   * One connection's metadata.
   * @returns the connection or `CONNECTION_NOT_FOUND`, `INVALID_INPUT`, `STORE_FAILED`
   */
  getConnection(connectionId: string): Promise<Result<XpassConnection, XpassError>> {
    return getConnection(this.ctx, connectionId);
  }

  /**
   * Every connection (admin listing).
   * @returns all connections or `STORE_FAILED`
   */
  allConnections(): Promise<Result<XpassConnection[], XpassError>> {
    return allConnections(this.ctx);
  }

  /**
   * Splits a caller-supplied connection secret into both signed share envelopes (the original
   * design's `splitForConnection`; connection-split.ts). Not stored as the epoch's split.
   * @param secret 32 bytes (`generateConnectionSecret`)
   * @param connectionId 64 hex, an existing billable connection
   * @param epoch uint32 inside its issue window
   * @returns `{ connectionId, epoch, share1, share2 }`, or `INVALID_INPUT` (field `secret`,
   *   `connectionId`, `epoch`), `CONNECTION_NOT_FOUND`, `BILLING_REQUIRED`,
   *   `CONNECTION_SUSPENDED`, `CONNECTION_REVOKED`, `EPOCH_EXPIRED`, `EPOCH_NOT_READY`
   */
  splitForConnection(
    secret: Uint8Array,
    connectionId: string,
    epoch: number,
  ): Promise<Result<ConnectionShares, XpassError>> {
    return splitForConnection(this.ctx, secret, connectionId, epoch);
  }

  /** The window of an epoch under this service's timing (Unix ms). */
  windowOf(epoch: number) {
    return epochWindow(epoch, this.epochs);
  }
}
