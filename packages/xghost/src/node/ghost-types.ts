/**
 * Public shapes of `createGhost` (runtime.ts): options, status and the running ghost.
 *
 * @module
 */
import type { Agent } from '@xorida/agent-sdk';
import type { Result } from 'xorida';
import type { GhostLeaseFile, XghostError } from '../index.js';

/**
 * `createGhost({ tier: 2, tier2Config })`: the billed connection as the original design names
 * it. The share server derives the connection from the DIDs and the bundle; these fields are
 * checked against that, never trusted.
 */
export interface Tier2Config {
  /** 64 hex; must be `createConnectionId(vendorDid, agent.did, billingScope(bundleId))`. */
  readonly connectionId?: string;
  /** Informational uint32 epoch (the lease decides the epoch). */
  readonly epoch?: number;
  /** Epoch length, ms (alias of `epochMs`). */
  readonly epochMs?: number;
  /**
   * Refused when present: the connection's shares never ship to the customer (the share server
   * releases share 2 per epoch while billing is current).
   */
  readonly shares?: unknown;
}

/** Options of {@link createGhost}. */
export interface CreateGhostOptions {
  /** Manifest object or JSON text. */
  readonly manifest: unknown;
  /** Encoded share 1 (the customer's artifact). */
  readonly customerShare: Uint8Array;
  /** Online tier: base URL of `xghost serve`. */
  readonly server?: string;
  /** Air-gapped tier: a lease file (path or parsed JSON). */
  readonly shareFile?: string | GhostLeaseFile;
  /** The customer's agent (its DID signs requests; share 2 is sealed to it). */
  readonly agent: Agent;
  /**
   * Default: `online` with `server`, `air-gapped` with `shareFile`. `2` (the original design's
   * "tier 2: xpass billing enforcement") is an alias of `online`.
   */
  readonly tier?: 'online' | 'air-gapped' | 2;
  /** The original design's customer DID: optional, must equal `agent.did` (it cannot sign). */
  readonly did?: string;
  /** The original design's tier-2 settings, checked against what the server enforces. */
  readonly tier2Config?: Tier2Config;
  /** Pin the vendor DID (recommended: otherwise any key can sign a look-alike manifest). */
  readonly vendorDid?: string;
  /** Epoch length the customer reports (default 24 h, as xpass). */
  readonly epochMs?: number;
  /** Renew this long before `notAfter` (default min(60 s, half the lease)). */
  readonly renewBeforeMs?: number;
  /** Air-gapped: file that keeps the latest time seen (clock-rollback detection). */
  readonly clockStateFile?: string;
  /** Allowed backwards step of the clock (default 60 s). */
  readonly clockToleranceMs?: number;
  /** Evaluation timeout of the module body (default 2000 ms). */
  readonly evaluateTimeoutMs?: number;
  readonly now?: () => number;
  readonly fetch?: typeof fetch;
  /** Called once when the code is purged (billing, expiry, clock). */
  readonly onPurge?: (error: XghostError) => void;
}

/** What `ghost.status()` reports. */
export interface GhostStatus {
  readonly state: 'active' | 'purged' | 'disposed';
  readonly bundleId: string;
  readonly version: string;
  readonly exports: readonly string[];
  readonly tier: 'online' | 'air-gapped';
  readonly lease: {
    readonly epoch: number;
    readonly notAfter: number;
    readonly mode: string;
  } | null;
  readonly renewals: number;
  readonly lastError: XghostError | null;
  /** Milliseconds: reconstruct + verify, and evaluate, of the last load. */
  readonly timings: { readonly reconstructVerifyMs: number; readonly evaluateMs: number };
}

/** A running bundle. */
export interface Ghost {
  /** Calls a declared export; synchronous; `CALL_FAILED` if it throws. */
  call(name: string, ...args: unknown[]): Result<unknown, XghostError>;
  status(): GhostStatus;
  /**
   * Renews the lease now: online, from the share server; air-gapped, from a new lease file
   * (path or parsed) the vendor exported for the same build and DID.
   */
  renew(leaseFile?: string | GhostLeaseFile): Promise<Result<void, XghostError>>;
  /** Stops timers and drops the code and share 2. Idempotent. */
  dispose(): void;
}

/** A declared export of the evaluated module. */
export type Fn = (...a: unknown[]) => unknown;
