/**
 * The state every billing step shares: signing key, epoch timing, store, audit chain, clock, and
 * the per-connection operation queue, with the store and audit helpers the steps call.
 *
 * @module
 */
import { ok, type Result } from 'xorida';
import type { AuditChain, AuditEventType } from './audit-chain.js';
import { checkConnectionId } from './connection-id.js';
import type { ConnectionRecord, ConnectionStore } from './connection-store.js';
import type { EpochConfig } from './epoch.js';
import { type XpassError, xpassErr } from './errors.js';

/** What a {@link BillingContext} is built from (`now`: clock, Unix ms). */
export interface BillingContextInit {
  readonly sign: (m: Uint8Array) => Uint8Array;
  readonly publicKey: Uint8Array;
  readonly epochs: EpochConfig;
  readonly graceMs: number;
  readonly store: ConnectionStore;
  readonly audit: AuditChain | undefined;
  readonly now: () => number;
}

/** Shared state of one billing service instance (see billing-service.ts). */
export class BillingContext {
  /** Ed25519 signer of the billing server key. */
  readonly sign: (m: Uint8Array) => Uint8Array;
  /** The billing server's 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  readonly epochs: EpochConfig;
  /** Grace period in ms. */
  readonly graceMs: number;
  readonly store: ConnectionStore;
  readonly audit: AuditChain | undefined;
  /** Clock, Unix ms. */
  readonly clock: () => number;
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(o: BillingContextInit) {
    this.sign = o.sign;
    this.publicKey = o.publicKey;
    this.epochs = o.epochs;
    this.graceMs = o.graceMs;
    this.store = o.store;
    this.audit = o.audit;
    this.clock = o.now;
  }

  /** Appends an event to the audit chain, if there is one. */
  log(
    type: AuditEventType,
    connectionId: string,
    extra: { epoch?: number | null; actor?: string | null; detail?: string | null } = {},
  ): void {
    this.audit?.append({ type, connectionId, ...extra });
  }

  /** Runs `fn` after every earlier operation on the same connection finished. */
  serialize<T>(connectionId: string, fn: () => Promise<T>): Promise<T> {
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

  /**
   * Loads a record.
   * @returns the record, or `INVALID_INPUT`, `CONNECTION_NOT_FOUND`, `STORE_FAILED`
   */
  async load(connectionId: string): Promise<Result<ConnectionRecord, XpassError>> {
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

  /** Stores a record. @returns `ok` or `STORE_FAILED` */
  async save(r: ConnectionRecord): Promise<Result<void, XpassError>> {
    try {
      await this.store.put(r);
      return ok(undefined);
    } catch (e) {
      return xpassErr('STORE_FAILED', `store.put failed: ${(e as Error)?.message ?? String(e)}`);
    }
  }
}
