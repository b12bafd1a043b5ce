/**
 * The billing service: the product-docs API (`createConnection`, `verifyConnection`,
 * `revokeConnection`, `listConnections`, `checkBilling`) plus share issuance and the lifecycle
 * operations, over a {@link ConnectionStore}, with every event appended to the audit chain.
 * The `xpass serve` HTTP server is a thin layer over one instance of this class.
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
import { bytesToHex, hexToBytes, ok, type Result, split, wipe } from 'xorida';
import type { AuditChain, AuditEventType } from './audit-chain.js';
import {
  checkConnectionId,
  checkDid,
  checkScope,
  createConnectionId,
  sortDids,
} from './connection-id.js';
import type { ConnectionRecord, ConnectionStore, SplitRecord } from './connection-store.js';
import { MemoryConnectionStore } from './connection-store.js';
import { checkEpochWindow, type EpochConfig, epochAt, epochConfig, epochWindow } from './epoch.js';
import { type XpassError, xpassErr } from './errors.js';
import {
  computeCommitment,
  deriveEpochKeys,
  sealShareEnvelope,
  shareEnvelopeFromBase45,
  shareEnvelopeToBase45,
  verifyShareSignature,
  type XpassShare,
} from './share-envelope.js';
import {
  applyTransition,
  type ConnectionStatus,
  checkIssuable,
  DEFAULT_GRACE_MS,
  effectiveStatus,
  type Transition,
} from './state-machine.js';

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
  /** Whole days until revocation when in GRACE (product docs' field), else null. */
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

/** Progress of `createConnection` (product-docs stages). */
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

function toPublic(r: ConnectionRecord, now: number): XpassConnection {
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
  private readonly sign: (m: Uint8Array) => Uint8Array;
  private readonly clock: () => number;
  private readonly queues = new Map<string, Promise<unknown>>();

  private constructor(o: {
    sign: (m: Uint8Array) => Uint8Array;
    publicKey: Uint8Array;
    epochs: EpochConfig;
    graceMs: number;
    store: ConnectionStore;
    audit: AuditChain | undefined;
    now: () => number;
  }) {
    this.sign = o.sign;
    this.publicKey = o.publicKey;
    this.epochs = o.epochs;
    this.graceMs = o.graceMs;
    this.store = o.store;
    this.audit = o.audit;
    this.clock = o.now;
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
    return this.clock();
  }

  /** Signs arbitrary bytes with the server key (share-fetch responses). Internal use. */
  signBytes(message: Uint8Array): Uint8Array {
    return this.sign(message);
  }

  private log(
    type: AuditEventType,
    connectionId: string,
    extra: { epoch?: number | null; actor?: string | null; detail?: string | null } = {},
  ): void {
    this.audit?.append({ type, connectionId, ...extra });
  }

  /** Runs `fn` after every earlier operation on the same connection finished. */
  private serialize<T>(connectionId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(connectionId) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(connectionId, tail);
    void tail.then(() => {
      if (this.queues.get(connectionId) === tail) this.queues.delete(connectionId);
    });
    return run;
  }

  private async load(connectionId: string): Promise<Result<ConnectionRecord, XpassError>> {
    const id = checkConnectionId(connectionId);
    if (!id.ok) return id;
    let r: ConnectionRecord | undefined;
    try {
      r = await this.store.get(connectionId);
    } catch (e) {
      return xpassErr('STORE_FAILED', `store.get failed: ${(e as Error)?.message ?? String(e)}`);
    }
    if (!r) return xpassErr('CONNECTION_NOT_FOUND', `no connection ${connectionId}`);
    return ok(r);
  }

  private async save(r: ConnectionRecord): Promise<Result<void, XpassError>> {
    try {
      await this.store.put(r);
      return ok(undefined);
    } catch (e) {
      return xpassErr('STORE_FAILED', `store.put failed: ${(e as Error)?.message ?? String(e)}`);
    }
  }

  /** Makes a new split for `epoch`; both envelopes pending. */
  private makeSplit(
    r: ConnectionRecord,
    epoch: number,
    onProgress?: (e: CreateProgress) => void,
  ): Result<{ split: SplitRecord; shares: [XpassShare, XpassShare] }, XpassError> {
    onProgress?.({ stage: 'creating_secret' });
    let secret: Uint8Array;
    try {
      secret = backend.randomBytes(32);
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
      epochMs: this.epochs.epochMs,
      overlapMs: this.epochs.overlapMs,
      commitment,
    };
    const a = sealShareEnvelope({ ...fields, share: parts.value[0]! }, r.didA, this.sign);
    const b = sealShareEnvelope({ ...fields, share: parts.value[1]! }, r.didB, this.sign);
    wipe(parts.value[0]!.payload, parts.value[1]!.payload);
    if (!a.ok) return a;
    if (!b.ok) return b;
    const rec: SplitRecord = {
      epoch,
      splitId: bytesToHex(splitId),
      pending: [shareEnvelopeToBase45(a.value), shareEnvelopeToBase45(b.value)],
      createdAt: this.clock(),
    };
    return ok({ split: rec, shares: [a.value, b.value] });
  }

  /**
   * Creates a connection between two DIDs for a scope (product docs `createConnection`).
   * @param didA one agent's DID
   * @param didB the other's
   * @param scope 1..128 printable ASCII bytes
   * @param options `{ status?: 'active' | 'pending', distribute?, onProgress?, actor? }`
   * @returns metadata, plus `share1`/`share2` (for `didA`/`didB` of the result, i.e. sorted)
   *   when active and `distribute` is on; or `INVALID_INPUT`, `CONNECTION_ALREADY_EXISTS`,
   *   `CONNECTION_ID_COLLISION` (same id, different tuple), `SECRET_GENERATION_FAILED`,
   *   `SPLIT_FAILED`, `STORE_FAILED`
   */
  async createConnection(
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
    return this.serialize(connectionId, async () => {
      let existing: ConnectionRecord | undefined;
      try {
        existing = await this.store.get(connectionId);
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
      const now = this.clock();
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
        const e = epochAt(now, this.epochs);
        if (!e.ok) return e;
        const s = this.makeSplit(record, e.value, options.onProgress);
        if (!s.ok) return s;
        shares = s.value.shares;
        record = { ...record, splits: [{ ...s.value.split, pending: [null, null] }] };
      }
      const saved = await this.save(record);
      if (!saved.ok) return saved;
      this.log('create', connectionId, {
        actor: options.actor ?? null,
        detail: `${status} ${scope}`,
      });
      if (shares) {
        const epoch = record.splits[0]!.epoch;
        options.onProgress?.({ stage: 'distributing', shareIndex: 1 });
        this.log('issue_share', connectionId, {
          epoch,
          actor: lo,
          detail: 'share 0 (createConnection)',
        });
        options.onProgress?.({ stage: 'distributing', shareIndex: 2 });
        this.log('issue_share', connectionId, {
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
   * Issues `did`'s share of the connection for an epoch (the enforcement checkpoint).
   * @param connectionId 64 hex
   * @param did one of the connection's two DIDs (the caller must have authenticated it)
   * @param options `{ epoch? }`: default the epoch containing now; the next epoch is available
   *   from `overlapMs` before it starts
   * @returns the share envelope, or `CONNECTION_NOT_FOUND`, `REQUEST_REJECTED:NOT_A_PARTY`,
   *   `BILLING_REQUIRED`, `CONNECTION_SUSPENDED`, `CONNECTION_REVOKED`, `EPOCH_NOT_READY`,
   *   `EPOCH_EXPIRED`, `SECRET_GENERATION_FAILED`, `SPLIT_FAILED`, `STORE_FAILED`, `INVALID_INPUT`
   */
  async issueShare(
    connectionId: string,
    did: string,
    options: { epoch?: number } = {},
  ): Promise<Result<XpassShare, XpassError>> {
    const d = checkDid(did);
    if (!d.ok) return d;
    return this.serialize(connectionId, async () => {
      const loaded = await this.load(connectionId);
      if (!loaded.ok) return loaded;
      let r = loaded.value;
      const now = this.clock();
      const party = did === r.didA ? 0 : did === r.didB ? 1 : -1;
      if (party !== 0 && party !== 1)
        return xpassErr('REQUEST_REJECTED', `${did} is not a party of connection ${connectionId}`, {
          subCode: 'NOT_A_PARTY',
        });
      const status = effectiveStatus(r.status, r.graceUntil, now);
      if (status !== r.status) {
        r = { ...r, status, updatedAt: now, reason: 'grace_expired', splits: [] };
        const saved = await this.save(r);
        if (!saved.ok) return saved;
        this.log('revoke', connectionId, { actor: 'system', detail: 'grace_expired' });
      }
      const issuable = checkIssuable(status, connectionId);
      if (!issuable.ok) return issuable;
      const index: 0 | 1 = party;
      let epoch: number;
      if (options.epoch === undefined) {
        const e = epochAt(now, this.epochs);
        if (!e.ok) return e;
        epoch = e.value;
      } else {
        if (!Number.isInteger(options.epoch) || options.epoch < 0 || options.epoch > 0xffff_ffff)
          return xpassErr('INVALID_INPUT', 'epoch must be a uint32', { field: 'epoch' });
        epoch = options.epoch;
      }
      const w = checkEpochWindow(epoch, this.epochs, now);
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
        const made = this.makeSplit(r, epoch);
        if (!made.ok) return made;
        share = made.value.shares[index]!;
        const pending: [string | null, string | null] = [
          made.value.split.pending[0],
          made.value.split.pending[1],
        ];
        pending[index] = null;
        if (existing)
          this.log('rotate', connectionId, {
            epoch,
            actor: did,
            detail: 'share requested again: new split',
          });
        splits = [...r.splits.filter((s) => s.epoch !== epoch), { ...made.value.split, pending }]
          .sort((a, b) => a.epoch - b.epoch)
          .slice(-2);
      }
      const saved = await this.save({ ...r, splits, updatedAt: now });
      if (!saved.ok) return saved;
      this.log('issue_share', connectionId, { epoch, actor: did, detail: `share ${index}` });
      return ok(share);
    });
  }

  private async transition(
    connectionId: string,
    t: Transition,
    reason: string | undefined,
    actor: string | undefined,
  ): Promise<Result<XpassConnection, XpassError>> {
    if (reason !== undefined && (typeof reason !== 'string' || reason.length > 512))
      return xpassErr('INVALID_INPUT', 'reason must be a string of at most 512 characters', {
        field: 'reason',
      });
    return this.serialize(connectionId, async () => {
      const loaded = await this.load(connectionId);
      if (!loaded.ok) return loaded;
      const r = loaded.value;
      const now = this.clock();
      const from = effectiveStatus(r.status, r.graceUntil, now);
      const to = applyTransition(from, t);
      if (!to.ok) return to;
      // Suspension, revocation and grace drop undelivered shares: they are never handed out.
      const keepSplits = to.value === 'active';
      const next: ConnectionRecord = {
        ...r,
        status: to.value,
        updatedAt: now,
        graceUntil: t === 'grace' ? now + this.graceMs : null,
        reason: reason ?? null,
        splits: keepSplits
          ? r.splits
          : r.splits.map((s) => ({ ...s, pending: [null, null] as [null, null] })),
      };
      const saved = await this.save(next);
      if (!saved.ok) return saved;
      this.log(t, connectionId, { actor: actor ?? 'admin', detail: reason ?? null });
      return ok(toPublic(next, now));
    });
  }

  /** PENDING -> ACTIVE (payment received). @returns the connection or `INVALID_TRANSITION`, `CONNECTION_NOT_FOUND` */
  activate(
    connectionId: string,
    reason?: string,
    actor?: string,
  ): Promise<Result<XpassConnection, XpassError>> {
    return this.transition(connectionId, 'activate', reason, actor);
  }
  /** ACTIVE -> SUSPENDED (payment lapsed; next shares refused). @returns the connection or `INVALID_TRANSITION`, `CONNECTION_NOT_FOUND` */
  suspend(
    connectionId: string,
    reason?: string,
    actor?: string,
  ): Promise<Result<XpassConnection, XpassError>> {
    return this.transition(connectionId, 'suspend', reason, actor);
  }
  /** SUSPENDED -> GRACE for `graceMs` (shares issued again meanwhile). @returns the connection or `INVALID_TRANSITION`, `CONNECTION_NOT_FOUND` */
  grace(
    connectionId: string,
    reason?: string,
    actor?: string,
  ): Promise<Result<XpassConnection, XpassError>> {
    return this.transition(connectionId, 'grace', reason, actor);
  }
  /** Any non-revoked status -> REVOKED. @returns the connection or `INVALID_TRANSITION`, `CONNECTION_NOT_FOUND` */
  revoke(
    connectionId: string,
    reason?: string,
    actor?: string,
  ): Promise<Result<XpassConnection, XpassError>> {
    return this.transition(connectionId, 'revoke', reason, actor);
  }
  /** SUSPENDED | GRACE | REVOKED -> ACTIVE (new payment). @returns the connection or `INVALID_TRANSITION`, `CONNECTION_NOT_FOUND` */
  reactivate(
    connectionId: string,
    reason?: string,
    actor?: string,
  ): Promise<Result<XpassConnection, XpassError>> {
    return this.transition(connectionId, 'reactivate', reason, actor);
  }

  /**
   * Product docs `revokeConnection`: permanently revoke (REVOKED until `reactivate`).
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
  async rotate(connectionId: string, actor?: string): Promise<Result<XpassConnection, XpassError>> {
    return this.serialize(connectionId, async () => {
      const loaded = await this.load(connectionId);
      if (!loaded.ok) return loaded;
      const r = loaded.value;
      const now = this.clock();
      const issuable = checkIssuable(effectiveStatus(r.status, r.graceUntil, now), connectionId);
      if (!issuable.ok) return issuable;
      const e = epochAt(now, this.epochs);
      if (!e.ok) return e;
      const next = { ...r, updatedAt: now, splits: r.splits.filter((s) => s.epoch !== e.value) };
      const saved = await this.save(next);
      if (!saved.ok) return saved;
      this.log('rotate', connectionId, {
        epoch: e.value,
        actor: actor ?? 'admin',
        detail: 'forced rotation',
      });
      return ok(toPublic(next, now));
    });
  }

  /**
   * Product docs `checkBilling`: status without a share operation.
   * @param connectionId 64 hex
   * @returns status, current epoch, next boundary (Unix ms), ms remaining, grace remaining; or
   *   `CONNECTION_NOT_FOUND`, `INVALID_INPUT`, `STORE_FAILED`
   */
  async checkBilling(connectionId: string): Promise<Result<XpassBillingStatus, XpassError>> {
    const store = this.store;
    let r: ConnectionRecord | undefined;
    if (store instanceof MemoryConnectionStore) {
      const id = checkConnectionId(connectionId);
      if (!id.ok) return id;
      r = store.getSync(connectionId);
      if (!r) return xpassErr('CONNECTION_NOT_FOUND', `no connection ${connectionId}`);
    } else {
      const loaded = await this.load(connectionId);
      if (!loaded.ok) return loaded;
      r = loaded.value;
    }
    return ok(this.billingStatusOf(r));
  }

  /** The billing status of a record at the current time. */
  billingStatusOf(r: ConnectionRecord): XpassBillingStatus {
    const now = this.clock();
    const status = effectiveStatus(r.status, r.graceUntil, now);
    const currentEpoch = Math.floor(now / this.epochs.epochMs);
    const nextEpochBoundary = (currentEpoch + 1) * this.epochs.epochMs;
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
   * Product docs `verifyConnection`: is this share valid for the connection now? Checks the
   * server signature for the DID of the share's index, the epoch window and the status.
   * @param connectionId 64 hex
   * @param share a decoded envelope
   * @returns verification details, or `CONNECTION_NOT_FOUND`, `RECONSTRUCTION_FAILED:CONNECTION_MISMATCH`,
   *   `HMAC_VERIFICATION_FAILED`, `EPOCH_EXPIRED`, `EPOCH_NOT_READY`, `BILLING_REQUIRED`,
   *   `CONNECTION_SUSPENDED`, `CONNECTION_REVOKED`
   */
  async verifyConnection(
    connectionId: string,
    share: XpassShare,
  ): Promise<Result<XpassVerification, XpassError>> {
    const loaded = await this.load(connectionId);
    if (!loaded.ok) return loaded;
    const r = loaded.value;
    if (share?.connectionId !== connectionId)
      return xpassErr('RECONSTRUCTION_FAILED', 'the share belongs to another connection', {
        subCode: 'CONNECTION_MISMATCH',
      });
    const holder = share.index === 0 ? r.didA : r.didB;
    const sig = verifyShareSignature(share, this.publicKey, holder);
    if (!sig.ok) return sig;
    const now = this.clock();
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

  /**
   * Product docs `listConnections`: connections a DID is party to.
   * @param did the DID
   * @param options `{ scope?, status?, epoch? }` filters (status is the effective status)
   * @returns the connections (creation order), or `INVALID_INPUT`, `STORE_FAILED`
   */
  async listConnections(
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
      all = await this.store.list();
    } catch (e) {
      return xpassErr('STORE_FAILED', `store.list failed: ${(e as Error)?.message ?? String(e)}`);
    }
    const now = this.clock();
    return ok(
      all
        .filter((r) => r.didA === did || r.didB === did)
        .filter((r) => options.scope === undefined || r.scope === options.scope)
        .filter(
          (r) => options.epoch === undefined || r.splits.some((s) => s.epoch === options.epoch),
        )
        .map((r) => toPublic(r, now))
        .filter((c) => options.status === undefined || c.status === options.status),
    );
  }

  /**
   * One connection's metadata.
   * @returns the connection or `CONNECTION_NOT_FOUND`, `INVALID_INPUT`, `STORE_FAILED`
   */
  async getConnection(connectionId: string): Promise<Result<XpassConnection, XpassError>> {
    const loaded = await this.load(connectionId);
    return loaded.ok ? ok(toPublic(loaded.value, this.clock())) : loaded;
  }

  /**
   * Every connection (admin listing).
   * @returns all connections or `STORE_FAILED`
   */
  async allConnections(): Promise<Result<XpassConnection[], XpassError>> {
    try {
      const now = this.clock();
      return ok((await this.store.list()).map((r) => toPublic(r, now)));
    } catch (e) {
      return xpassErr('STORE_FAILED', `store.list failed: ${(e as Error)?.message ?? String(e)}`);
    }
  }

  /** The window of an epoch under this service's timing (Unix ms). */
  windowOf(epoch: number) {
    return epochWindow(epoch, this.epochs);
  }
}
